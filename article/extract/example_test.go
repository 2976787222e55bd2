package extract_test

import (
	"context"
	"fmt"

	"passerelle/article/extract"
)

func ExampleArticle() {
	page := []byte(`<!DOCTYPE html><html lang="fr"><head><title>Brest : le tramway ira jusqu'au port</title></head><body>
<nav><a href="/">Accueil</a> <a href="/sports">Sports</a></nav>
<article><h1>Brest : le tramway ira jusqu'au port</h1>
<p>La métropole de Brest a voté jeudi soir le prolongement de la deuxième ligne de tramway jusqu'au port de commerce.</p>
<p>Lire aussi : Brest teste la gratuité des bus le samedi</p>
<p>Les travaux commenceront à l'automne prochain sur le boulevard Jean-Moulin, pour une durée de quatre ans.</p>
</article><footer>© 2024 Le Journal de l'Ouest</footer></body></html>`)

	r, err := extract.Article(context.Background(), page, "https://journal-ouest.example/brest/tramway")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Title, "|", r.Lang)
	for _, p := range r.Paragraphs {
		fmt.Println("-", p)
	}

	_, err = extract.Article(context.Background(), []byte("du texte brut, sans balises"), "")
	fmt.Println(err)
	// Output:
	// Brest : le tramway ira jusqu'au port | fr
	// - La métropole de Brest a voté jeudi soir le prolongement de la deuxième ligne de tramway jusqu'au port de commerce.
	// - Les travaux commenceront à l'automne prochain sur le boulevard Jean-Moulin, pour une durée de quatre ans.
	// no article found in the page: the content has no HTML markup
}
