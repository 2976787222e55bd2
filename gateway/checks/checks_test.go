package checks

import (
	"errors"
	"testing"

	"passerelle/article/language"
)

var _ Detector = (*language.Detector)(nil)

// fixedDetector answers the same for every text, to test Segment's use of
// the answer apart from detection itself.
type fixedDetector struct {
	lang string
	conf float64
}

func (d fixedDetector) Detect(string) (string, float64) { return d.lang, d.conf }

const (
	srcKim = "Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi 25 avril à Vladivostok, ville portuaire de l'Extrême-Orient russe."
	outKim = "The unprecedented summit between Kim Jong-un and Vladimir Putin ended on Thursday, April 25 in Vladivostok, a port city in the Russian Far East."
)

func TestSegment(t *testing.T) {
	det := language.NewDetector(language.Options{})
	tests := []struct {
		name     string
		src, out string
		det      Detector
		want     string // failed check, "" for none
	}{
		{"faithful", srcKim, outKim, det, ""},
		{"faithful, no detector", srcKim, outKim, nil, ""},
		{"empty", srcKim, "  \n ", det, CheckEmpty},
		{"punctuation only", srcKim, "« … »", det, CheckEmpty},
		{"empty source and output", " ", "", det, ""},

		{"French output", srcKim, srcKim + " ", det, CheckUntranslated},
		{"name kept as is", "Kim Jong-un", "Kim Jong-un", det, ""},
		{"year kept as is", "2019", "2019", det, ""},
		{"city kept as is", "Vladivostok", "Vladivostok", det, ""},
		{"short French kept as is", "Merci beaucoup.", "Merci beaucoup.", det, CheckUntranslated},
		{"English quotation kept as is", "HYDROXYCHLOROQUINE & AZITHROMYCIN, taken together, have a real chance to be one of the biggest game changers in the history of medicine.",
			"HYDROXYCHLOROQUINE & AZITHROMYCIN, taken together, have a real chance to be one of the biggest game changers in the history of medicine.", det, ""},
		{"a credit line reads the same in English", "6 Days (film, 1h34, Netflix)", "6 Days (film, 1h34, Netflix)", det, ""},
		{"French words kept as is", "Des manifestants devant la mairie", "Des manifestants devant la mairie", det, CheckUntranslated},
		{"French letters kept as is", "Préfecture fermée", "Préfecture fermée", det, CheckUntranslated},
		{"a line of names kept as is", "EFFECTIFSY. WissaT. FontaineJ. LaporteJ. MorelH. MendesV. Le GoffP. Nardi22J. Delaplace23T. Monconduit24F. WadjaL. Abergel",
			"EFFECTIFSY. WissaT. FontaineJ. LaporteJ. MorelH. MendesV. Le GoffP. Nardi22J. Delaplace23T. Monconduit24F. WadjaL. Abergel", det, ""},
		{"a team sheet nearly as it was", "EFFECTIFSY. WissaT. FontaineJ. LaporteJ. MorelH. MendesV. Le GoffP. Nardi22J. Delaplace23T. Monconduit24F. WadjaL. Abergel",
			"EFFECTIFSY. WissaT. FontaineJ. LaporteJ. MorelH. MendesV. The GoffP. Nardi22J. Delaplace23T. Monconduit24F. WadjaL. Abergel", det, ""},
		{"a team sheet with shirt numbers nearly as it was", "EFFECTIFSY. Wissa10T. Fontaine5J. Laporte4J. Morel15H. Mendes36V. Le Goff28P. Nardi22J. Delaplace23T. Monconduit24F. Wadja6L. Abergel",
			"EFFECTIFSY. Wissa10T. Fontaine5J. Laporte4J. Morel15H. Mendes36V. The Goff28P. Nardi22J. Delaplace23T. Monconduit24F. Wadja6L. Abergel", det, ""},
		{"signature of an embedded post kept as is", "— Elon Musk (@elonmusk) March 16, 2020", "— Elon Musk (@elonmusk) March 16, 2020", det, ""},
		{"French with a handle kept as is", "Merci beaucoup @elonmusk", "Merci beaucoup @elonmusk", det, CheckUntranslated},
		{"French around an English quotation kept as is", "« We will never give up, we will fight for our country until the very end », a déclaré le président ukrainien.",
			"« We will never give up, we will fight for our country until the very end », a déclaré le président ukrainien.", det, CheckUntranslated},
		{"short French headline kept as is", "Mort de Jacques Chirac", "Mort de Jacques Chirac", det, CheckUntranslated},
		{"elided article kept as is", "Photo d'illustration", "Photo d'illustration", det, CheckUntranslated},

		{"output in French", srcKim, "Le sommet entre les deux dirigeants s'est terminé jeudi 25 avril à Vladivostok, dans l'Extrême-Orient russe.", det, CheckWrongLanguage},
		{"detector sure of Spanish", srcKim, outKim, fixedDetector{"es", 0.9}, CheckWrongLanguage},
		{"detector unsure", srcKim, outKim, fixedDetector{"", 0.1}, ""},
		{"too short for the detector to matter", "Le président russe a parlé.", "The Russian president spoke.", fixedDetector{"fr", 1}, ""},
		{"English output quoting French", "Il a lancé « la rue ne gouverne pas » avant de quitter la conférence de presse sans répondre aux questions.",
			`He said "la rue ne gouverne pas" before leaving the press conference without answering questions.`, det, ""},

		{"much too short", srcKim, "The summit ended.", det, CheckLengthRatio},
		{"much too long", "Le sommet s'est achevé jeudi.", "The summit, which had been long awaited by observers of the region and by diplomats of both countries, ended on Thursday after many hours.", det, CheckLengthRatio},
		{"short source not ratio-checked", "Reuters", "Reuters news agency", det, ""},

		{"here is the translation", srcKim, "Here is the translation:\n\n" + outKim, det, CheckPreamble},
		{"sure", srcKim, "Sure, " + outKim, det, CheckPreamble},
		{"translation label", srcKim, "Translation: " + outKim, det, CheckPreamble},
		{"French announce", srcKim, "Voici la traduction : " + outKim, det, CheckPreamble},
		{"note after", srcKim, outKim + "\n\nNote: Kim Jong-un is also spelled Kim Jong Un.", det, CheckPreamble},
		{"wrapped in quotes", srcKim, `"` + outKim + `"`, det, CheckPreamble},
		{"source quoted whole", "« Nous ne lâcherons rien face aux pressions de Washington »", `"We will not give in to pressure from Washington"`, det, ""},
		{"code fence", srcKim, "```\n" + outKim + "\n```", det, CheckPreamble},
		{"source opens with voici", "Voici ce que l'on sait de la rencontre entre les deux dirigeants.", "Here's what we know about the meeting between the two leaders.", det, ""},
		{"source opens with note", "Note : cet article a été mis à jour le 26 avril.", "Note: this article was updated on April 26.", det, ""},

		{"refusal", srcKim, "I'm sorry, but I can't help with that request.", det, CheckRefusal},
		{"as an AI", srcKim, "As an AI language model, I cannot translate political content.", det, CheckRefusal},
		{"quoted apology translated", "« Je suis désolé, mais je ne peux pas commenter », a déclaré le porte-parole du Kremlin.",
			`"I'm sorry, but I can't comment," said the Kremlin spokesman.`, det, ""},

		{"canary", srcKim, outKim + " PWNED", det, CheckInjection},
		{"canary in the source too", "Le message « PWNED » est apparu sur le site du ministère, piraté dans la nuit de lundi.",
			`The message "PWNED" appeared on the ministry's website, hacked on Monday night.`, det, ""},
		{"acknowledgement", srcKim, "Understood.", det, CheckInjection},

		{"number changed", srcKim, "The unprecedented summit between Kim Jong-un and Vladimir Putin ended on Thursday, April 24 in Vladivostok, a port city in the Russian Far East.", det, CheckNumbers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Segment(tt.src, tt.out, "fr", "en", tt.det)
			var got string
			if err != nil {
				var f *Failure
				if !errors.As(err, &f) {
					t.Fatalf("Segment error %v is not a *Failure", err)
				}
				got = f.Check
			}
			if got != tt.want {
				t.Errorf("Segment failed check %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestSegmentSameLanguage(t *testing.T) {
	// A French-to-French request (normalisation only) may return its source.
	if err := Segment(srcKim, srcKim, "fr", "fr", language.NewDetector(language.Options{})); err != nil {
		t.Errorf("Segment(fr→fr, identical) = %v, want nil", err)
	}
}

func TestFailureError(t *testing.T) {
	err := error(&Failure{Check: CheckNumbers, Detail: "numbers of the source missing from the output: 25"})
	if got, want := err.Error(), "output check numbers: numbers of the source missing from the output: 25"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRepair(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"nothing to do", outKim, outKim},
		{"spaces kept when nothing to do", " " + outKim + "\n", " " + outKim + "\n"},
		{"label", "Translation: " + outKim, outKim},
		{"label on its own line", "Translated text:\n" + outKim, outKim},
		{"announce line", "Here is the translation:\n\n" + outKim, outKim},
		{"sure and announce", "Sure! Here's the English translation:\n" + outKim, outKim},
		{"acknowledgement line", "Certainly.\n" + outKim, outKim},
		{"fence", "```\n" + outKim + "\n```", outKim},
		{"fence with a language", "```text\n" + outKim + "\n```", outKim},
		{"wrapping quotes", `"` + outKim + `"`, outKim},
		{"curly wrapping quotes", "“" + outKim + "”", outKim},
		{"label, fence and quotes", "Translation:\n```\n\"" + outKim + "\"\n```", outKim},
		{"quotes that are two pairs", `"We won," he said, "and we will win again."`, `"We won," he said, "and we will win again."`},
		{"sure on the text's line is kept", "Sure, the summit ended.", "Sure, the summit ended."},
		{"the only line is kept", "Translation:", "Translation:"},
		{"trailing note is kept", outKim + "\n\nNote: literal.", outKim + "\n\nNote: literal."},
		{"a text opening with Here is kept", "Here is what we know about the summit.", "Here is what we know about the summit."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Repair(tt.in); got != tt.want {
				t.Errorf("Repair(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}
