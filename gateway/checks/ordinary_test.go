package checks

import (
	"context"
	"testing"

	"passerelle/article"
	"passerelle/article/language"
	"passerelle/internal/testenv"
	"passerelle/providers"
	"passerelle/providers/apertium"
)

// ordinaryNews are sentences of everyday news with telephone numbers, dates,
// times, scores and references, and what the real Apertium (fra→spa→eng)
// gives for each once the gateway has repaired it: the outputs of
// TestMissingNumbersOrdinaryNews.
var ordinaryNews = []struct{ src, apertium string }{
	{"Pour tout renseignement, contacter le 08.11.00.06.95 entre 10 heures et 18 heures.",
		"For all information, contact the 08.11.00.06.95 among 10 hours and 18 hours."},
	{"Appelez le 06.12.34.56.78 pour réserver.", "Call the 06.12.34.56.78 to reserve."},
	{"Appelez le 06 12 34 56 78 pour réserver.", "Call the 06 12 34 56 78 to reserve."},
	{"Le standard répond au 01 45 67 89 10 du lundi au vendredi.",
		"The standard answers to the 01 45 67 89 10 of the Monday to the Friday."},
	{"Depuis l'étranger, composez le +33 1 45 67 89 10.", "From the foreigner, compose the +33 1 45 67 89 10."},
	{"Depuis l'étranger, composez le +33 (0)1 45 67 89 10.", "From the foreigner, compose the +33 (0)1 45 67 89 10."},
	{"Le numéro vert 0 800 123 456 est gratuit.", "The green number 0 800 123 456 is free."},
	{"Le rendez-vous est fixé à 14h30 devant la mairie.", "The date is fixed to the 14h30 in front of the city council."},
	{"La réunion a eu lieu le 3/02/2020 à Paris.", "The meeting has taken place the 3/02/2020 to Paris."},
	{"La réunion a eu lieu le 03.02.2020 à Paris.", "The meeting has taken place the 03.02.2020 to Paris."},
	{"Lyon a battu Marseille 3-1 dimanche soir.", "Lyon Has beaten Marseilles 3-1 Sunday late."},
	{"Le PSG s'est imposé 2 à 1 face à Lille.", "The PSG has imposed 2 to 1 in front of Lille."},
	{"Selon l'article L. 123-4 du code de commerce, la société doit publier ses comptes.",
		"According to the article L. 123-4 of the code of trade, the society has to publish his accounts."},
	{"L'affaire n° 19-12.345 a été jugée par la Cour de cassation.",
		"The subject n° 19-12.345 has been judged by the Court of cassation."},
	{"Le siège se trouve au 8 rue de la Paix, 75008 Paris.", "The seat finds in the 8 street of the Peace, 75008 Paris."},
	{"La société est immatriculée sous le numéro SIRET 123 456 789 00012.",
		"The society is immatriculée under the number SIRET 123 456 789 00012."},
	{"Le livre porte le numéro ISBN 978-2-07-036822-8.", "The book spends the number ISBN 978-2-07-036822-8."},
}

// TestOrdinaryNewsThroughApertium sends each sentence of ordinaryNews to the
// real Apertium, repairs the output as the gateway does, and runs the
// output checks on it: each must pass. An Apertium whose output differs from
// the one recorded is reported in the log only: the checks, not the
// engine's wording, are under test.
func TestOrdinaryNewsThroughApertium(t *testing.T) {
	engine, err := apertium.New(apertium.Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	srcs := make([]string, len(ordinaryNews))
	for i, c := range ordinaryNews {
		srcs[i] = c.src
	}
	res, err := engine.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: srcs})
	if err != nil {
		t.Fatalf("Apertium: %v", err)
	}
	det := language.NewDetector(language.Options{})
	for i, c := range ordinaryNews {
		// What the gateway's checkedOutput does before the checks.
		out := article.Normalize(EnglishNumbers(c.src, EnglishTypography(Repair(res.Translations[i]))))
		if out != c.apertium {
			t.Logf("Apertium now gives %q for %q (recorded: %q)", out, c.src, c.apertium)
		}
		if err := Segment(c.src, out, "fr", "en", det); err != nil {
			t.Errorf("Segment(%q, %q): %v", c.src, out, err)
		}
	}
}
