package apertium

import "testing"

func TestStripMarks(t *testing.T) {
	tests := []struct {
		name, source, translated, want string
	}{
		{name: "unknown word marked twice by a chain", source: "Donald Trump", translated: "Donald *Trump", want: "Donald Trump"},
		{name: "all three marks", source: "x", translated: "**raviver @foo #trace", want: "raviver foo trace"},
		{name: "asterisk in the source is kept", source: "5 * 3 et zorglub", translated: "5 * 3 and *zorglub", want: "5 * 3 and *zorglub"},
		{name: "only the marks found in the source are kept", source: "écrire à a@b.fr", translated: "write to a@b.fr *zorglub", want: "write to a@b.fr zorglub"},
		{name: "nothing to strip", source: "Bonjour", translated: "Hello", want: "Hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripMarks(tt.source, tt.translated); got != tt.want {
				t.Errorf("stripMarks(%q, %q) = %q, want %q", tt.source, tt.translated, got, tt.want)
			}
		})
	}
}

func TestSplitSpace(t *testing.T) {
	tests := []struct {
		in, lead, core, trail string
	}{
		{"", "", "", ""},
		{" \n\t", " \n\t", "", ""},
		{"abc", "", "abc", ""},
		{"\n a b\n", "\n ", "a b", "\n"},
		{"\u00a0x\u00a0", "\u00a0", "x", "\u00a0"},
	}
	for _, tt := range tests {
		lead, core, trail := splitSpace(tt.in)
		if lead != tt.lead || core != tt.core || trail != tt.trail {
			t.Errorf("splitSpace(%q) = %q, %q, %q; want %q, %q, %q", tt.in, lead, core, trail, tt.lead, tt.core, tt.trail)
		}
	}
}

// In HTML only the text loses marks, judged against the source's text,
// and a fragment cut short inside a tag comes back whole.
func TestStripMarksHTML(t *testing.T) {
	tests := []struct{ src, out, want string }{
		{`<a href="/x#top">Le schtroumpf</a>`, `<a href="/x#top">The *schtroumpf</a>`, `<a href="/x#top">The schtroumpf</a>`},
		{`<a href="mailto:a@b.fr">Le @chat</a>`, `<a href="mailto:a@b.fr">The @cat *x</a>`, `<a href="mailto:a@b.fr">The @cat x</a>`},
		{`Le <b>chat`, `The <b>*cat <i a="*`, `The <b>cat <i a="*`},
	}
	for _, tt := range tests {
		if got := stripMarksHTML(tt.src, tt.out); got != tt.want {
			t.Errorf("stripMarksHTML(%q, %q) = %q, want %q", tt.src, tt.out, got, tt.want)
		}
	}
}
