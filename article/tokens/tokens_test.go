package tokens

import (
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/tiktoken-go/tokenizer/codec"
)

const seedPath = "../../testdata/poutine-kim-vladivostok.fr.txt"

func readSeed(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatalf("read seed article: %v", err)
	}
	return string(b)
}

const (
	frSentence = "Le sommet inédit entre Kim Jong-Un et Vladimir Poutine s’est achevé jeudi 25 avril à Vladivostok, ville portuaire de l’Extrême-Orient russe."
	frAccents  = "Élève, ça coûte déjà très cher à l’hôpital."
	frSpaces   = "«\u00a0Un dialogue significatif\u00a0»"
)

// The expected counts were computed once with this package and checked
// against js-tiktoken 1.0.21, an independent implementation of OpenAI's
// tokenizer; "hello world", "Hello, world!" and "tiktoken is great!" are also
// the counts OpenAI and its cookbook publish for cl100k_base.
func TestEncodingCount(t *testing.T) {
	seed := readSeed(t)
	tests := []struct {
		text   string
		cl100k int
		o200k  int
	}{
		{"", 0, 0},
		{"hello world", 2, 2},
		{"Hello, world!", 4, 4},
		{"tiktoken is great!", 6, 6},
		{"this is a test example, tutorialexample.com", 11, 9},
		{"2 + 2 = 4", 7, 7},
		{"  \n\n  ", 2, 2},
		{frSentence, 43, 37},
		{frAccents, 18, 14},
		{frSpaces, 8, 8},
		// A special token inside an article is only text.
		{"Fin du texte <|endoftext|> suite", 10, 11},
		{seed, 548, 489},
	}
	for _, tt := range tests {
		name := tt.text
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			if got := cl100kBase.Count(tt.text); got != tt.cl100k {
				t.Errorf("cl100k_base Count = %d, want %d", got, tt.cl100k)
			}
			if got := o200kBase.Count(tt.text); got != tt.o200k {
				t.Errorf("o200k_base Count = %d, want %d", got, tt.o200k)
			}
		})
	}
}

// Token ids, not only counts, match published encodings: a wrong table or a
// wrong split expression could still give a right count by chance.
func TestEncodingIDs(t *testing.T) {
	tests := []struct {
		enc  *encoding
		text string
		want []uint
	}{
		{cl100kBase, "hello world", []uint{15339, 1917}},
		{cl100kBase, "Hello, world!", []uint{9906, 11, 1917, 0}},
		{cl100kBase, "tiktoken is great!", []uint{83, 1609, 5963, 374, 2294, 0}},
		{o200kBase, "hello world", []uint{24912, 2375}},
		{o200kBase, "this is a test example, tutorialexample.com", []uint{851, 382, 261, 1746, 4994, 11, 24000, 18582, 1136}},
		{o200kBase, frAccents, []uint{5859, 75, 41151, 11, 13590, 118994, 21229, 9412, 17824, 1221, 305, 10429, 111764, 13}},
	}
	for _, tt := range tests {
		t.Run(tt.enc.Name()+" "+tt.text, func(t *testing.T) {
			got, _, err := tt.enc.get().Encode(tt.text)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

// Invalid UTF-8 is counted, not refused, and never more than one token a byte.
func TestEncodingCountInvalidUTF8(t *testing.T) {
	text := "caf\xe9 cr\xe8me"
	for _, enc := range []*encoding{cl100kBase, o200kBase} {
		got := enc.Count(text)
		if got < 1 || got > len(text) {
			t.Errorf("%s Count(%q) = %d, want between 1 and %d", enc.Name(), text, got, len(text))
		}
	}
}

func TestCharacters(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello world", 11},
		{frAccents, 43},
		{frSpaces, 28},
		{"e\u0301", 2}, // a decomposed é is two code points, as DeepL counts it
		{"🇫🇷", 2},
		{"\xff\xfe", 2},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := (Characters{}).Count(tt.text); got != tt.want {
				t.Errorf("Characters.Count(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
	if got := (Characters{}).Name(); got != "characters" {
		t.Errorf("Characters.Name() = %q, want %q", got, "characters")
	}
}

func TestFor(t *testing.T) {
	tests := []struct {
		model string
		want  string
		exact bool
	}{
		{"gpt-4o", "o200k_base", true},
		{"gpt-4o-mini", "o200k_base", true},
		{"gpt-4o-2024-08-06", "o200k_base", true},
		{"chatgpt-4o-latest", "o200k_base", true},
		{"gpt-4.1", "o200k_base", true},
		{"gpt-4.1-nano-2025-04-14", "o200k_base", true},
		{"gpt-4.5-preview", "o200k_base", true},
		{"gpt-5", "o200k_base", true},
		{"gpt-5-mini", "o200k_base", true},
		{"gpt-5.1", "o200k_base", true},
		{"o1", "o200k_base", true},
		{"o1-mini", "o200k_base", true},
		{"o3", "o200k_base", true},
		{"o3-mini", "o200k_base", true},
		{"o4-mini", "o200k_base", true},
		{"gpt-oss-20b", "o200k_base", true},
		{"gpt-oss:120b", "o200k_base", true},
		{"GPT-4o-Mini", "o200k_base", true},
		{" gpt-4o ", "o200k_base", true},
		{"openai/gpt-4o-mini", "o200k_base", true},
		{"ft:gpt-4o-mini-2024-07-18:acme::9abc", "o200k_base", true},
		{"gpt-4", "cl100k_base", true},
		{"gpt-4-turbo", "cl100k_base", true},
		{"gpt-4-0613", "cl100k_base", true},
		{"gpt-4-32k", "cl100k_base", true},
		{"gpt-3.5-turbo", "cl100k_base", true},
		{"gpt-3.5-turbo-16k", "cl100k_base", true},
		{"gpt-35-turbo", "cl100k_base", true},
		{"ft:gpt-3.5-turbo-0125:acme::9abc", "cl100k_base", true},
		// Estimates.
		{"", "cl100k_base", false},
		{"llama3.1", "cl100k_base", false},
		{"llama3.1:8b-instruct-q4_K_M", "cl100k_base", false},
		{"meta-llama/Meta-Llama-3.1-8B-Instruct", "cl100k_base", false},
		{"mistral-small-latest", "cl100k_base", false},
		{"claude-3-5-sonnet-20241022", "cl100k_base", false},
		{"gemini-1.5-flash", "cl100k_base", false},
		{"qwen2.5:7b", "cl100k_base", false},
		{"my-azure-deployment", "cl100k_base", false},
		// Look-alikes that are not the family.
		{"gpt-4omni", "cl100k_base", false},
		{"o10", "cl100k_base", false},
		{"gpt-50", "cl100k_base", false},
		{"o1x-mini", "cl100k_base", false},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			if got := For(tt.model).Name(); got != tt.want {
				t.Errorf("For(%q).Name() = %q, want %q", tt.model, got, tt.want)
			}
			if got := Exact(tt.model); got != tt.exact {
				t.Errorf("Exact(%q) = %v, want %v", tt.model, got, tt.exact)
			}
		})
	}
}

// The first counts of a process race to build the tables; every goroutine
// must see them built, and get the same answer. Fresh encodings make this the
// first use whatever ran before. Run with -race.
func TestCountConcurrentFirstUse(t *testing.T) {
	seed := readSeed(t)
	encs := []*encoding{
		{name: "cl100k_base", load: codec.NewCl100kBase, piece: cl100kPiece},
		{name: "o200k_base", load: codec.NewO200kBase, piece: o200kPiece},
	}
	want := []int{548, 489}
	got := make([]int, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = encs[i%2].Count(seed) })
	}
	wg.Wait()
	for i, n := range got {
		if n != want[i%2] {
			t.Errorf("goroutine %d: %s Count = %d, want %d", i, encs[i%2].Name(), n, want[i%2])
		}
	}
}

func BenchmarkCount(b *testing.B) {
	seed := readSeed(b)
	counters := []Counter{For("gpt-4o-mini"), For("gpt-4"), Characters{}}
	for _, c := range counters {
		b.Run(c.Name(), func(b *testing.B) {
			c.Count(seed) // build the tables outside the timed loop
			b.SetBytes(int64(len(seed)))
			b.ReportAllocs()
			for b.Loop() {
				c.Count(seed)
			}
		})
	}
	// A text none of whose pieces were counted before.
	b.Run("o200k_base_cold", func(b *testing.B) {
		o200kBase.Count(seed)
		b.SetBytes(int64(len(seed)))
		b.ReportAllocs()
		for b.Loop() {
			o200kBase.mu.Lock()
			o200kBase.pieces = nil
			o200kBase.mu.Unlock()
			o200kBase.Count(seed)
		}
	})
}
