package language

import "testing"

func BenchmarkDetect(b *testing.B) {
	d := NewDetector(Options{})
	for _, bc := range []struct{ name, text string }{
		{"sentence", "Le président russe et le dirigeant nord-coréen ont conversé pendant plusieurs heures de la situation dans la péninsule."},
		{"paragraph", "Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi 25 avril à Vladivostok, ville portuaire de l'Extrême-Orient russe. Le président russe et le dirigeant nord-coréen ont conversé pendant plusieurs heures de la situation dans la péninsule. Aucun communiqué ni aucun accord n'étaient prévus à l'issue du sommet. Il y a près de vingt ans, Vladimir Poutine était allé à Pyongyang retrouver le père de Kim Jong-un."},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				d.Detect(bc.text)
			}
		})
	}
}

// BenchmarkDetectOther is the output check's question, "is this English
// paragraph in another language than English?", and the same of a French
// one, which the function words do not settle.
func BenchmarkDetectOther(b *testing.B) {
	d := NewDetector(Options{})
	for _, bc := range []struct{ name, text string }{
		{"english", "The unprecedented summit between Kim Jong-un and Vladimir Putin ended on Thursday, April 25, in Vladivostok, a port city in the Russian Far East. The Russian president and the North Korean leader talked for several hours about the situation on the peninsula."},
		{"french", "Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi 25 avril à Vladivostok, ville portuaire de l'Extrême-Orient russe. Le président russe et le dirigeant nord-coréen ont conversé pendant plusieurs heures de la situation dans la péninsule."},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				d.DetectOther(bc.text, "en")
			}
		})
	}
}
