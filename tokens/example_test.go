package tokens_test

import (
	"fmt"

	"passerelle/tokens"
)

func ExampleFor() {
	const text = "Aucun communiqué ni aucun accord ne sont prévus à l’issue du sommet."
	for _, model := range []string{"gpt-4o-mini", "gpt-4", "llama3.1"} {
		c := tokens.For(model)
		fmt.Printf("%s: %d tokens (%s, exact: %v)\n", model, c.Count(text), c.Name(), tokens.Exact(model))
	}
	fmt.Printf("DeepL: %d characters\n", tokens.Characters{}.Count(text))
	// Output:
	// gpt-4o-mini: 17 tokens (o200k_base, exact: true)
	// gpt-4: 21 tokens (cl100k_base, exact: true)
	// llama3.1: 21 tokens (cl100k_base, exact: false)
	// DeepL: 68 characters
}
