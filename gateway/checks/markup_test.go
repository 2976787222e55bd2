package checks

import (
	"strings"
	"testing"
)

const mastodon = `<p>Salut <a href="https://t.co/AbC" class="mention">@<span>bob</span></a>, le <strong>président</strong> a parlé.</p><p>Deuxième paragraphe.</p>`

func TestMarkup(t *testing.T) {
	tests := []struct {
		name, out string
		ok        bool
	}{
		{"the same tags around English", `<p>Hi <a href="https://t.co/AbC" class="mention">@<span>bob</span></a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, true},
		{"attributes quoted otherwise", `<p>Hi <a href='https://t.co/AbC' class=mention>@<span>bob</span></a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, true},
		{"an entity for a character of an attribute", `<p>Hi <a href="https://t.co/Ab&#67;" class="mention">@<span>bob</span></a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, true},
		{"a tag dropped", `<p>Hi <a href="https://t.co/AbC" class="mention">@bob</a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, false},
		{"two tags swapped", `<p>Hi <a href="https://t.co/AbC" class="mention">@<span>bob</a></span>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, false},
		{"a link lowercased", `<p>Hi <a href="https://t.co/abc" class="mention">@<span>bob</span></a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, false},
		{"an attribute translated", `<p>Hi <a href="https://t.co/AbC" class="quotation">@<span>bob</span></a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, false},
		{"attributes reordered", `<p>Hi <a class="mention" href="https://t.co/AbC">@<span>bob</span></a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p>`, false},
		{"a tag added", `<p>Hi <a href="https://t.co/AbC" class="mention">@<span>bob</span></a>, the <strong>president</strong> spoke.</p><p>Second paragraph.</p><br>`, false},
		{"the markup as text", `Hi @bob, the president spoke. Second paragraph.`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Markup(mastodon, tt.out)
			if (f == nil) != tt.ok {
				t.Fatalf("Markup = %v, want ok %v", f, tt.ok)
			}
			if f != nil && f.Check != CheckMarkup {
				t.Errorf("Check = %q, want %q", f.Check, CheckMarkup)
			}
		})
	}
}

// Comments and CDATA sections are markup: an engine that translates them
// fails the check, one that keeps them passes.
func TestMarkupHoldsComments(t *testing.T) {
	src := `<p>Le président a parlé <![CDATA[à Vladivostok]]>.<!-- note --></p>`
	if f := Markup(src, `<p>The president has spoken <![CDATA[à Vladivostok]]>.<!-- note --></p>`); f != nil {
		t.Errorf("kept comments: %v", f)
	}
	for _, out := range []string{
		`<p>The president has spoken <![*CDATA[To *Vladivostok]]>.<!-- note --></p>`, // Apertium's, as it came
		`<p>The president has spoken <![CDATA[à Vladivostok]]>.</p>`,
	} {
		if f := Markup(src, out); f == nil || f.Check != CheckMarkup {
			t.Errorf("Markup(%q) = %v, want a markup failure", out, f)
		}
	}
}

func TestMarkupSelfClosingIsItsOwnKind(t *testing.T) {
	if f := Markup("Un<br/>deux", "One<br>two"); f == nil {
		t.Errorf("<br/> and <br> pass as the same tag")
	}
	if f := Markup("Un<br/>deux", "One<br/>two"); f != nil {
		t.Errorf("Markup = %v, want nil", f)
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{mastodon, "Salut @bob, le président a parlé.\nDeuxième paragraphe."},
		{"Le <b>chat</b> &amp; le chien&nbsp;noir", "Le chat & le chien\u00a0noir"},
		{"3<br>4 septembre", "3\n4 septembre"},
		{"<div class=\"DIV\">Le parti</div>", "Le parti"},
		{"Avant<script>var x = '<p>';</script> après", "Avant après"},
		{"a < b & c", "a < b & c"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := HTMLText(tt.in); got != tt.want {
			t.Errorf("HTMLText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The checks of a translation of HTML judge its text: a class named DIV
// or a number in an href is no text of the paragraph.
func TestHTMLTextKeepsMarkupOutOfTheChecks(t *testing.T) {
	src := HTMLText(`<p class="ARTICLE-2024">Le président a parlé pendant trois heures devant les députés.</p>`)
	out := HTMLText(`<p class="ARTICLE-2024">The president spoke for three hours before the deputies.</p>`)
	if err := Segment(src, out, "fr", "en", nil); err != nil {
		t.Errorf("Segment on the texts = %v, want nil", err)
	}
}

func FuzzMarkup(f *testing.F) {
	for _, s := range []string{mastodon, "<p>a</p>", "<a href=x>", "</p>", "<!-- x -->", "<br/>", "<scr<ipt>", "<p a=\"&#", "<![CDATA[x]]>", "<script>", "<?xml?>", "a < b & c"} {
		f.Add(s, strings.ToUpper(s))
	}
	f.Fuzz(func(t *testing.T, src, out string) {
		f := Markup(src, out)
		if src == out && f != nil {
			t.Errorf("Markup(x, x) = %v", f)
		}
		_ = HTMLText(src)
		_ = HTMLText(out)
	})
}
