package extract

import "testing"

func TestIsDateline(t *testing.T) {
	for _, p := range []string{
		"Orange avec Media Services, publié le lundi 03 février 2020 à 20h15",
		"Publié le 03/02/2020 à 20h15",
		"Publié le 03/02/2020 à 20h15 - Mis à jour le 04/02/2020 à 08h02",
		"Mis à jour le 4 février 2020",
		"Par Jean Dupont",
		"Par Jean Dupont et Marie-Hélène de La Tour",
		"Par Jean Dupont, envoyé spécial à Kiev",
		"Par la rédaction",
		"Par Le Parisien avec AFP",
		"Le Parisien avec AFP",
		"franceinfo avec AFP",
		"Avec AFP",
		"(avec AFP)",
		"Jean Dupont Publié le 3 février 2020 à 20h15, modifié le 4 février 2020 à 8h02",
		"Par Jean Dupont Publié aujourd'hui à 10h32, mis à jour à 11h05",
		"Publié il y a 2 heures",
		"Le 03/02/2020 à 20:15",
		"lundi 3 février 2020",
		"Par J.-M. Durand | Publié le 1er mars 2021 à 7h | Temps de lecture : 3 min",
		"Ouest-France Jean Dupont. Publié le 03/02/2020 à 20h15",
		"PUBLIÉ LE 3 FÉVRIER 2020 À 20H15",
	} {
		if !isDateline(p) {
			t.Errorf("isDateline(%q) = false, want true", p)
		}
	}
	for _, p := range []string{
		"Emmanuel Macron",
		"Par ailleurs, le ministre a annoncé une hausse de 3 % du budget.",
		"Une soirée avec Johnny Hallyday",
		"Le gouvernement a publié le 3 février un rapport sur les retraites.",
		"Publié le 3 février, le rapport montre que la moitié de la population est concernée.",
		"Mis à jour le 4 février 2020, le décret entre en vigueur dès lundi.",
		"Marie part avec Paul",
		"Selon la préfecture, 22 000 personnes ont manifesté à Paris.",
		"Les Républicains",
		"Le 3 février, à Paris, des milliers de manifestants ont défilé contre la réforme.",
		"Pour la CGT, l'avis confirme que le texte a été écrit à la hâte.",
	} {
		if isDateline(p) {
			t.Errorf("isDateline(%q) = true, want false", p)
		}
	}
}

func TestCutDateline(t *testing.T) {
	for _, tt := range []struct{ in, rest, dateline string }{
		{"Orange avec Media Services, publié le lundi 03 février 2020 à 20h15 Dans un avis rendu public vendredi, le Conseil d'État juge le texte lacunaire.",
			"Dans un avis rendu public vendredi, le Conseil d'État juge le texte lacunaire.",
			"Orange avec Media Services, publié le lundi 03 février 2020 à 20h15"},
		{"Par Jean Dupont", "", "Par Jean Dupont"},
		{"Publié le 3 février, le rapport montre que la moitié de la population est concernée.",
			"Publié le 3 février, le rapport montre que la moitié de la population est concernée.", ""},
	} {
		rest, d := cutDateline(tt.in)
		if rest != tt.rest || d != tt.dateline {
			t.Errorf("cutDateline(%q) = %q, %q; want %q, %q", tt.in, rest, d, tt.rest, tt.dateline)
		}
	}
}

func TestDatelineByline(t *testing.T) {
	for _, tt := range []struct{ in, byline, date string }{
		{"Orange avec Media Services, publié le lundi 03 février 2020 à 20h15", "Orange avec Media Services", "2020-02-03"},
		{"Par Jean Dupont Publié le 03/02/2020 à 20h15 Mis à jour le 04/02/2020", "Jean Dupont", "2020-02-03"},
		{"Publié le 1er mars 2021 à 7h", "", "2021-03-01"},
		{"Publié il y a 2 heures", "", ""},
		{"Par la rédaction", "la rédaction", ""},
		{"(avec AFP)", "AFP", ""},
	} {
		if got := datelineByline(tt.in); got != tt.byline {
			t.Errorf("datelineByline(%q) = %q, want %q", tt.in, got, tt.byline)
		}
		if got := datelineDate(tt.in); got != tt.date {
			t.Errorf("datelineDate(%q) = %q, want %q", tt.in, got, tt.date)
		}
	}
}
