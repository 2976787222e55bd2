package extract

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestBlocks(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"paragraphs", "<p>Un  deux\n trois.</p><p>Quatre.</p>", []string{"Un deux trois.", "Quatre."}},
		{"inline elements join", "<p>Le <b>sommet</b> <a href=x>inédit</a>s'achève.</p>", []string{"Le sommet inédits'achève."}},
		{"line break is a space", "<p>12 rue de Siam<br>Brest</p>", []string{"12 rue de Siam Brest"}},
		{"list items apart", "<ul><li>un</li><li>deux</li></ul>", []string{"un", "deux"}},
		{"text around a nested list", "<ul><li>avant<ul><li>dedans</li></ul>après</li></ul>", []string{"avant", "dedans", "après"}},
		{"heading and quote", "<h2>Titre</h2><blockquote><p>Cité.</p></blockquote>", []string{"Titre", "Cité."}},
		{"scripts and styles skipped", "<p>Texte<script>var x</script><style>p{}</style>.</p>", []string{"Texte."}},
		{"empty blocks left out", "<div> </div><p>\u00a0</p><p>Seul.</p>", []string{"Seul."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := html.Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := blocks(doc); !slices.Equal(got, tt.want) {
				t.Errorf("blocks(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// The extractor builds its output from nodes that carry only a tag name.
func TestBlocksWithoutAtoms(t *testing.T) {
	ul := &html.Node{Type: html.ElementNode, Data: "ul"}
	for _, s := range []string{"un", "deux"} {
		li := &html.Node{Type: html.ElementNode, Data: "li"}
		li.AppendChild(&html.Node{Type: html.TextNode, Data: s})
		ul.AppendChild(li)
	}
	if got, want := blocks(ul), []string{"un", "deux"}; !slices.Equal(got, want) {
		t.Errorf("blocks = %q, want %q", got, want)
	}
}
