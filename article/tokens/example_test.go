package tokens_test

import (
	"fmt"

	"passerelle/article/tokens"
)

func ExampleFor() {
	const text = "Le président russe et le dirigeant nord-coréen ont discuté pendant plusieurs heures de la situation dans la péninsule."
	for _, model := range []string{"gpt-4o-mini", "gpt-4", "llama3.1"} {
		c := tokens.For(model)
		fmt.Printf("%s: %d tokens (%s, exact: %v)\n", model, c.Count(text), c.Name(), tokens.Exact(model))
	}
	fmt.Printf("DeepL: %d characters\n", tokens.Characters{}.Count(text))
	// Output:
	// gpt-4o-mini: 26 tokens (o200k_base, exact: true)
	// gpt-4: 29 tokens (cl100k_base, exact: true)
	// llama3.1: 29 tokens (cl100k_base, exact: false)
	// DeepL: 118 characters
}
