package checks

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestMissingNumbers(t *testing.T) {
	tests := []struct {
		name, src, out string
		want           []string
	}{
		{"decimal comma", "une hausse de 3,5 %", "a rise of 3.5%", nil},
		{"decimal comma kept", "une hausse de 3,5 %", "a rise of 3,5 %", nil},
		{"percent in words", "25 % des électeurs", "25 percent of voters", nil},
		{"thousands with a space", "1 000 manifestants", "1,000 protesters", nil},
		{"thousands with a no-break space", "1\u00a0000 manifestants", "1000 protesters", nil},
		{"thousands with a narrow no-break space", "25\u202f000 euros", "25,000 euros", nil},
		{"millions", "1 500 000 habitants", "1,500,000 inhabitants", nil},
		{"French thousands dot", "1.000 euros", "1,000 euros", nil},
		{"two numbers side by side", "en 2019 250 personnes", "in 2019, 250 people", nil},
		{"year", "en 2019", "in 2019", nil},
		{"time 24h", "à 14h30", "at 14:30", nil},
		{"time 12h", "à 14h30", "at 2:30 pm", nil},
		{"time with spaces", "à 9 h 05", "at 9:05 am", nil},
		{"hour only", "vers 20h", "around 8 pm", nil},
		{"date with month in words", "le 25/04/2019", "on April 25, 2019", nil},
		{"small number in words", "3 enfants", "three children", nil},
		{"ordinal", "le 1er mai", "on May 1st", nil},
		{"ordinals of districts", "dans les 18ème, 19ème et 20ème arrondissements", "in the 18th, 19th and 20th districts", nil},
		{"ordinal after a name", "Paris 10ème, métro République", "Paris 10th, République metro", nil},
		{"ordinal changed", "le 18ème arrondissement", "the 19th district", []string{"18"}},
		{"dotted date kept as it was", "Créé: 12.12.2019, 07h36", "Created: 12.12.2019, 07h36", nil},
		{"dotted date in a title", "La perte des terres | DW | 23.05.2011", "The loss of land | DW | 23.05.2011", nil},
		{"dotted date changed", "le 23.05.2011", "on 24.05.2011", []string{"23.05.2011"}},
		{"trailing zeros", "3,50 euros", "3.5 euros", nil},
		{"number dropped", "25 morts et 3 blessés", "25 dead and several injured", []string{"3"}},
		{"number changed", "une hausse de 3,5 %", "a rise of 3.6%", []string{"3,5"}},
		{"time changed", "à 14h30", "at 3:30 pm", []string{"14h30"}},
		{"scale words are not read", "1 500 000 habitants", "1.5 million inhabitants", []string{"1 500 000"}},
		{"no numbers", "Le sommet s'est achevé.", "The summit ended.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingNumbers(tt.src, tt.out); !slices.Equal(got, tt.want) {
				t.Errorf("missingNumbers(%q, %q) = %q, want %q", tt.src, tt.out, got, tt.want)
			}
		})
	}
}

// TestMissingNumbersOrdinaryNews: telephone numbers, dates, times, scores
// and references of everyday news pass when the output keeps them, as
// Apertium does (the outputs marked so are its own, see
// TestOrdinaryNewsThroughApertium), or writes them in an English form, and
// fail when a digit of theirs is changed or they are dropped.
func TestMissingNumbersOrdinaryNews(t *testing.T) {
	tests := []struct {
		name, src, out string
		want           []string
	}{
		// Telephone numbers, kept by Apertium.
		{"dotted phone", "Pour tout renseignement, contacter le 08.11.00.06.95 entre 10 heures et 18 heures.",
			"For all information, contact the 08.11.00.06.95 among 10 hours and 18 hours.", nil},
		{"dotted mobile", "Appelez le 06.12.34.56.78 pour réserver.", "Call the 06.12.34.56.78 to reserve.", nil},
		{"spaced mobile", "Appelez le 06 12 34 56 78 pour réserver.", "Call the 06 12 34 56 78 to reserve.", nil},
		{"spaced landline", "Le standard répond au 01 45 67 89 10 du lundi au vendredi.",
			"The standard answers to the 01 45 67 89 10 of the Monday to the Friday.", nil},
		{"international", "Depuis l'étranger, composez le +33 1 45 67 89 10.",
			"From the foreigner, compose the +33 1 45 67 89 10.", nil},
		{"international with (0)", "Depuis l'étranger, composez le +33 (0)1 45 67 89 10.",
			"From the foreigner, compose the +33 (0)1 45 67 89 10.", nil},
		{"free number", "Le numéro vert 0 800 123 456 est gratuit.", "The green number 0 800 123 456 is free.", nil},
		{"no-break spaces", "Appelez le 06\u00a012\u00a034\u00a056\u00a078.", "Call 06 12 34 56 78.", nil},
		{"hyphens", "Appelez le 06-12-34-56-78.", "Call 06-12-34-56-78.", nil},
		{"digits only", "Appelez le 0612345678.", "Call 0612345678.", nil},
		// Telephone numbers in another form.
		{"dotted phone spaced", "contacter le 08.11.00.06.95", "call 08 11 00 06 95", nil},
		{"mobile international", "Appelez le 06.12.34.56.78.", "Call +33 6 12 34 56 78.", nil},
		{"landline international", "au 01 45 67 89 10", "on +33 1 45 67 89 10", nil},
		{"landline hyphens", "au 01 45 67 89 10", "on 01-45-67-89-10", nil},
		{"(0) dropped", "au +33 (0)1 45 67 89 10", "on +33 1 45 67 89 10", nil},
		{"international made national", "au +33 1 45 67 89 10", "on 01 45 67 89 10", nil},
		{"free number grouped", "au 0 800 123 456", "on 0800 123 456", nil},
		{"free number unspaced", "au 0 800 123 456", "on 0800123456", nil},
		// Dates and times.
		{"time kept", "Le rendez-vous est fixé à 14h30 devant la mairie.",
			"The date is fixed to the 14h30 in front of the city council.", nil},
		{"slashed date kept", "La réunion a eu lieu le 3/02/2020 à Paris.", "The meeting has taken place the 3/02/2020 to Paris.", nil},
		{"dotted date kept", "La réunion a eu lieu le 03.02.2020 à Paris.", "The meeting has taken place the 03.02.2020 to Paris.", nil},
		{"dotted date in words", "le 03.02.2020 à 14h30", "on 3 February 2020 at 2:30 pm", nil},
		{"date then time is no phone", "le 03.02.2020 14h30", "on February 3, 2020 2:30 pm", nil},
		// Scores.
		{"score kept", "Lyon a battu Marseille 3-1 dimanche soir.", "Lyon Has beaten Marseilles 3-1 Sunday late.", nil},
		{"score in words kept", "Le PSG s'est imposé 2 à 1 face à Lille.", "The PSG has imposed 2 to 1 in front of Lille.", nil},
		{"score with a dash", "Le PSG s'est imposé 2 à 1 face à Lille.", "PSG won 2-1 against Lille.", nil},
		{"score in letters", "Le PSG s'est imposé 2 à 1 face à Lille.", "PSG won two to one against Lille.", nil},
		// References.
		{"article of a code", "Selon l'article L. 123-4 du code de commerce, la société doit publier ses comptes.",
			"According to the article L. 123-4 of the code of trade, the society has to publish his accounts.", nil},
		{"case number", "L'affaire n° 19-12.345 a été jugée par la Cour de cassation.",
			"The subject n° 19-12.345 has been judged by the Court of cassation.", nil},
		{"postcode", "Le siège se trouve au 8 rue de la Paix, 75008 Paris.",
			"The seat finds in the 8 street of the Peace, 75008 Paris.", nil},
		{"SIRET", "La société est immatriculée sous le numéro SIRET 123 456 789 00012.",
			"The society is immatriculée under the number SIRET 123 456 789 00012.", nil},
		{"ISBN", "Le livre porte le numéro ISBN 978-2-07-036822-8.", "The book spends the number ISBN 978-2-07-036822-8.", nil},
		{"code with stops", "la version 2.10.3 du logiciel", "version 2.10.3 of the software", nil},
		{"address with stops", "le serveur 10.20.30.40", "the server 10.20.30.40", nil},

		// What must still fail.
		{"phone digit changed", "Appelez le 06 12 34 56 78.", "Call 06 12 34 56 79.", []string{"06 12 34 56 78"}},
		{"dotted phone digit changed", "contacter le 08.11.00.06.95", "contact 08.11.00.06.96", []string{"08.11.00.06.95"}},
		{"phone dropped", "contacter le 08.11.00.06.95 entre 10 heures et 18 heures",
			"contact the hotline between 10 and 18 hours", []string{"08.11.00.06.95"}},
		{"international digit changed", "au +33 (0)1 45 67 89 10", "on +33 1 45 67 89 11", []string{"+33 (0)1 45 67 89 10"}},
		{"a phone hides no other number", "Appelez le 06 12 34 56 78 avant le 3 mars.", "Call 06 12 34 56 78 before 4 March.", []string{"3"}},
		{"score changed", "Lyon a battu Marseille 3-1.", "Lyon beat Marseille 3-2.", []string{"1"}},
		{"article changed", "l'article L. 123-4", "article L. 123-5", []string{"4"}},
		{"postcode changed", "75008 Paris", "75009 Paris", []string{"75008"}},
		{"code changed", "le serveur 10.20.30.40", "the server 10.20.30.41", []string{"10.20.30.40"}},
		{"code dropped", "la version 2.10.3", "the version", []string{"2.10.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingNumbers(tt.src, tt.out); !slices.Equal(got, tt.want) {
				t.Errorf("missingNumbers(%q, %q) = %q, want %q", tt.src, tt.out, got, tt.want)
			}
		})
	}
}

func TestFindPhones(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"au 06.12.34.56.78, au 01 45 67 89 10 ou au +33 (0)1 45 67 89 10", []string{"06.12.34.56.78", "01 45 67 89 10", "+33 (0)1 45 67 89 10"}},
		{"le 0 800 123 456 ou le +33 6 12 34 56 78.", []string{"0 800 123 456", "+33 6 12 34 56 78"}},
		// A date and a time, mixed separators, too few or too many digits.
		{"le 03.02.2020 14h", nil},
		{"le 03.02.2020 14 heures", nil},
		{"06.12 34.56.78", nil},
		{"06 12 34 56 7", nil},
		{"1 500 000 habitants en 2019", nil},
		{"", nil},
	} {
		var got []string
		for _, m := range findPhones(tt.in) {
			got = append(got, tt.in[m[0]:m[1]])
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("findPhones(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFrenchTimesKeptAsTheyWere(t *testing.T) {
	tests := []struct{ src, out string }{
		{"La fête commence à 20h45.", "The party begins to the 20h45."},
		{"Rendez-vous à 11h au stade.", "Appointment at 11h in the stadium."},
		{"Coup d'envoi à 22h00.", "Kick-off at 22h00."},
	}
	for _, tt := range tests {
		if got := missingNumbers(tt.src, tt.out); len(got) != 0 {
			t.Errorf("missingNumbers(%q, %q) = %q, want none", tt.src, tt.out, got)
		}
	}
	if got := missingNumbers("Coup d'envoi à 22h00.", "Kick-off at 21h00."); len(got) == 0 {
		t.Errorf("a changed hour was not reported")
	}
}

// sameNumericMatches compares findAllNumeric and replaceAllNumeric with the
// regexp package run on the whole of s.
func sameNumericMatches(t *testing.T, s string) {
	t.Helper()
	for _, re := range []*regexp.Regexp{number, frenchTime, frenchDate} {
		want := re.FindAllStringSubmatchIndex(s, -1)
		if got := findAllNumeric(re, s); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("findAllNumeric(%s, %q) = %v, want %v", re, s, got, want)
		}
		if got, want := replaceAllNumeric(re, s, nil), re.ReplaceAllString(s, " "); got != want {
			t.Errorf("replaceAllNumeric(%s, %q) = %q, want %q", re, s, got, want)
		}
	}
}

func TestFindAllNumericMatchesTheRegexp(t *testing.T) {
	texts := []string{
		"", "1", "a1b", "le 25/04/2019 à 14h30, 1 500 000 habitants", "en 2019 250 personnes", "3,5 % et 1.000,25",
		"1\u00a0000 et 25\u202f000", "h1 1h 12h 12 h 05 x12h30y", "_12_ 12_ é12é 1.2.3.4 /12/ ..1..",
		"2019hausse", "25/04/2019/2020", " 25 ", "a 3, b", "x1.\u00a0", "\u202f12\u202fh", "1 000 . ", "12 . 5", "1,5,", "9 h 05h", "\xe2\x80" + "12", "12\xe2\x80", "€12 12€ «12» ‹1 000›",
	}
	raw, err := os.ReadFile("testdata/newstest2012-fr-en.tsv")
	if err != nil {
		t.Fatal(err)
	}
	texts = append(texts, strings.Split(string(raw), "\n")...)
	texts = append(texts, realisticTexts(t)...)
	for _, s := range texts {
		sameNumericMatches(t, s)
	}
}

func FuzzFindAllNumeric(f *testing.F) {
	for _, s := range []string{"le 25/04/2019 à 14h30", "1 500 000 habitants", "3,5 % et 1.000,25", "x12h30y 9 h 05"} {
		f.Add(s)
	}
	f.Fuzz(sameNumericMatches)
}

func TestOrdinals(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"the 18th, 19TH and 20th", []string{"18", "19", "20"}},
		{"May 1st, the 2nd, the 3rd, the 04th", []string{"1", "2", "3", "4"}},
		{"18 th, 18the, x18th, 18", nil},
		{"", nil},
		{"7t", nil},
	} {
		if got := ordinals(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ordinals(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMissingNumbers: an output that is its source misses none of its
// numbers, whatever they are (telephone numbers, dates, codes), and a
// phone found in a text is one the phone pattern matches whole.
func FuzzMissingNumbers(f *testing.F) {
	for _, s := range []string{"contacter le 08.11.00.06.95 entre 10 heures", "au +33 (0)1 45 67 89 10 ou au 0 800 123 456",
		"le 03.02.2020 à 14h30, 3-1, 2 à 1", "L. 123-4, n° 19-12.345, 75008, SIRET 123 456 789 00012", "10.20.30.40 et 1 500 000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := missingNumbers(s, s); len(got) > 0 {
			t.Errorf("missingNumbers(s, s) = %q for %q", got, s)
		}
		for _, m := range findPhones(s) {
			if tel := s[m[0]:m[1]]; phone.FindString(tel) != tel {
				t.Errorf("findPhones(%q) gave %q, which the pattern does not match whole", s, tel)
			}
		}
	})
}
