package chrf_test

import (
	"fmt"

	"passerelle/tools/eval/chrf"
)

func ExampleSentence() {
	fmt.Printf("%.1f\n", chrf.Sentence("The summit ended on Thursday.", "The summit ended on Thursday."))
	fmt.Printf("%.1f\n", chrf.Sentence("The summit has finished Thursday.", "The summit ended on Thursday."))
	// Output:
	// 100.0
	// 57.6
}

func ExampleCorpus() {
	hyps := []string{"The summit has finished Thursday.", "Any agreement is not foreseen."}
	refs := []string{"The summit ended on Thursday.", "No agreement is planned."}
	fmt.Printf("%.1f\n", chrf.Corpus(hyps, refs))
	// Output:
	// 52.7
}
