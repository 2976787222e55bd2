package article

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIsBoilerplate(t *testing.T) {
	tests := []struct {
		name      string
		paragraph string
		want      bool
	}{
		// Comments.
		{"comments closed fr", "Les commentaires sont fermés.", true},
		{"photo credits", "Crédits photos : Bestimage", true},
		{"illustration label", "Image illustrative", true},
		{"paywall offer", "Pour accéder en illimité à tous nos articles, abonnez-vous.", true},
		{"a sentence about credits is kept", "Les crédits photos ont été revus par la rédaction avant publication.", false},
		{"a sentence opening with pour accéder is kept", "Pour accéder au site, les secours ont dû dégager la route.", false},
		{"comments closed en", "Comments are closed.", true},
		{"comments closed short", "Commentaires fermés", true},
		{"comment count", "12 commentaires", true},
		{"leave a comment", "Laisser un commentaire", true},

		// Cookie and consent banners.
		{"seed banner", "Ce site Web utilise des cookies pour améliorer votre expérience. Nous supposerons que vous êtes d'accord avec cela, mais vous pouvez vous désinscrire si vous le souhaitez. Accepter", true},
		{"banner with ellipsis", "Ce site Web utilise des cookies…", true},
		{"we use cookies fr", "Nous utilisons des cookies pour vous garantir la meilleure expérience sur notre site web.", true},
		{"cookie emoji before the banner", "🍪 Nous utilisons des cookies", true},
		{"continuing navigation", "En poursuivant votre navigation sur ce site, vous acceptez l’utilisation de cookies pour réaliser des statistiques de visites.", true},
		{"notre site traceurs", "Notre site utilise des traceurs pour mesurer l'audience.", true},
		{"this website uses cookies", "This website uses cookies to improve your experience. We'll assume you're ok with this, but you can opt-out if you wish. Accept Read More", true},
		{"we use cookies en", "We use cookies to give you the best online experience.", true},
		{"by continuing en", "By continuing to browse this site you agree to our use of cookies.", true},
		{"accepter button", "Accepter", true},
		{"tout accepter button", "Tout accepter", true},
		{"button with typographic apostrophe", "Continuer sans accepter →", true},
		{"manage cookies", "Gérer les cookies", true},
		{"cookie policy", "Cookie Policy", true},
		{"en savoir plus", "En savoir plus", true},
		{"en savoir plus with chevron", "En savoir plus ›", true},

		// Newsletter and subscription prompts.
		{"newsletter fr", "Inscrivez-vous à notre newsletter", true},
		{"newsletter fr with text", "Recevez chaque matin notre newsletter gratuite", true},
		{"lettre d'information", "Abonnez-vous à notre lettre d’information", true},
		{"abonnez-vous", "Abonnez-vous", true},
		{"abonnez-vous offer", "Abonnez-vous pour lire la suite : 1 € le premier mois", true},
		{"reserved to subscribers", "Cet article est réservé aux abonnés.", true},
		{"newsletter en", "Sign up for our newsletter", true},
		{"subscribe newsletter en", "Subscribe to our daily newsletter!", true},

		// Share prompts.
		{"share on facebook", "Partager sur Facebook", true},
		{"share row", "Partager sur Facebook Partager sur Twitter Partager sur LinkedIn", true},
		{"share on x", "Partager sur X", true},
		{"share article fr", "Partager cet article", true},
		{"share article with apostrophe", "Partager l’article", true},
		{"share article en", "Share this article", true},
		{"share on twitter en", "Share on Twitter", true},

		// Teasers.
		{"lire aussi", "Lire aussi : Kim Jong-un est arrivé en Russie en train blindé", true},
		{"à lire aussi", "À lire aussi", true},
		{"a lire aussi", "A lire aussi: la Corée du Nord tire deux missiles", true},
		{"bulleted teaser", "» Lire aussi - Sommet Trump-Kim : rien n'est réglé", true},
		{"lire la suite", "Lire la suite", true},
		{"lire la suite ellipsis", "Lire la suite…", true},
		{"read more", "Read more", true},
		{"read more teaser", "Read more: North Korea fires missiles", true},
		{"related", "Related: Putin and Kim meet in Vladivostok", true},
		{"sur le même sujet", "Sur le même sujet", true},

		// Advertising.
		{"publicité", "Publicité", true},
		{"publicité decorated", "- Publicité -", true},
		{"advertisement", "ADVERTISEMENT", true},

		// Copyright.
		{"copyright le monde", "© Le Monde 2019", true},
		{"tous droits réservés", "Tous droits réservés", true},
		{"publisher and rights", "Le Monde.fr – Tous droits réservés.", true},
		{"copyright en", "Copyright 2019 The Associated Press. All rights reserved.", true},
		{"photo credit", "© AFP / Kirill Kudryavtsev", true},

		// Feedback.
		{"aimé cet article", "Vous avez aimé cet article ?", true},
		{"aimé cet article NBSP", "Vous avez aimé cet article\u00a0?", true},
		{"article vous a plu", "Cet article vous a plu ?", true},
		{"enjoyed en", "Enjoyed this article? Share it with your friends.", true},

		// Near misses: article text that quotes the same words.
		{"empty", "", false},
		{"only punctuation", "* * *", false},
		{"cookie in reporting", "Selon la CNIL, le site utilise des cookies sans recueillir le consentement des internautes.", false},
		{"third-party cookies news", "Google a annoncé mardi la fin des cookies tiers dans Chrome d'ici à 2024.", false},
		{"baking cookies", "Les cookies de Noël de ma grand-mère restent les meilleurs.", false},
		{"accepter in a sentence", "Accepter la défaite n'est jamais facile, a-t-il reconnu.", false},
		{"refused to accept", "Il a refusé d'accepter la proposition.", false},
		{"lire aussi inside", "Le président a dit qu'il fallait lire aussi le rapport de la Cour des comptes.", false},
		{"partager les richesses", "Partager les richesses, voilà le programme du candidat.", false},
		{"publicité mensongère", "Publicité mensongère : l'enseigne condamnée à 2 millions d'euros d'amende.", false},
		{"abonnés au gaz", "Abonnés au gaz : les tarifs augmentent de 4 %.", false},
		{"commentaires du ministre", "Commentaires du ministre : « Nous sommes prêts ».", false},
		{"en savoir plus in a sentence", "En savoir plus sur les intentions de Pyongyang reste difficile.", false},
		{"copyright as a word", "Le droit d'auteur (copyright) protège les œuvres.", false},
		{"copyright law", "Copyright law differs between France and the United States.", false},
		{"quoted rights", "« Tous droits réservés », répète la maison de disques, qui refuse toute reproduction.", false},
		{"share prices", "Share prices fell sharply on Monday.", false},
		{"comments from", "Comments from the minister were not immediately available.", false},
		{"newsletter in reporting", "Le journal a lancé une newsletter consacrée à la Corée du Nord.", false},
		{"related in a sentence", "Related questions were discussed at length.", false},
		{"interview ending", "— D'accord.", false},
		{"subheading", "La Syrie est de plus en plus isolée", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsBoilerplate(tt.paragraph); got != tt.want {
				t.Errorf("IsBoilerplate(%q) = %v, want %v", tt.paragraph, got, tt.want)
			}
		})
	}
}

// A paragraph over maxBoilerplateRunes is article text even when it opens
// like a banner: it is more likely reporting on cookies than a banner.
func TestIsBoilerplateLengthRule(t *testing.T) {
	head := "Nous utilisons des cookies, a reconnu la directrice du site, "
	pad := strings.Repeat("é", maxBoilerplateRunes-utf8.RuneCountInString(head))
	tests := []struct {
		name      string
		paragraph string
		want      bool
	}{
		{"at the limit", head + pad, true},
		{"one past the limit", head + pad + ".", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := utf8.RuneCountInString(tt.paragraph); n < maxBoilerplateRunes {
				t.Fatalf("test paragraph has %d runes, want at least %d", n, maxBoilerplateRunes)
			}
			if got := IsBoilerplate(tt.paragraph); got != tt.want {
				t.Errorf("IsBoilerplate(%d runes starting %q) = %v, want %v",
					utf8.RuneCountInString(tt.paragraph), head, got, tt.want)
			}
		})
	}
}

func TestParseDropsBoilerplateOnlyAtTheEnds(t *testing.T) {
	const (
		p1     = "Le sommet inédit s’est achevé jeudi à Vladivostok."
		quoted = "Nous utilisons des cookies pour suivre nos lecteurs, admet le site."
		p3     = "Aucun accord n’est prévu."
	)
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"head run", "Publicité\n\nPartager sur Facebook\n\n" + p1 + "\n\n" + p3, []string{p1, p3}},
		{"tail run", p1 + "\n\n" + p3 + "\n\nLes commentaires sont fermés.\n\nCe site Web utilise des cookies. Accepter", []string{p1, p3}},
		{"middle kept", p1 + "\n\n" + quoted + "\n\n" + p3, []string{p1, quoted, p3}},
		{"middle kept, ends dropped", "Lire aussi : autre chose\n\n" + p1 + "\n\nLire la suite\n\n" + p3 + "\n\n© Le Monde 2019", []string{p1, "Lire la suite", p3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse("Titre donné", tt.text)
			if strings.Join(got.Paragraphs, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Paragraphs = %q, want %q", got.Paragraphs, tt.want)
			}
		})
	}
}
