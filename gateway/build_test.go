package gateway

import (
	"io"
	"log/slog"
	"slices"
	"testing"

	"passerelle/cache"
	"passerelle/providers"
)

// testBuild is how every test here makes its Service: the providers it
// names, each on its route in the order given, over a silent log and no
// cache; "llm" translates and "sum" summarizes when a test names no
// translator or no summarizer.
type testBuild struct {
	opts                     Options
	translation, summarizing []string
	override                 bool // see overridable
}

// option is one thing a test wants of its Service.
type option func(*testBuild)

// newTestService builds the Service of options, failing the test when New
// refuses them.
func newTestService(t testing.TB, options ...option) *Service {
	t.Helper()
	svc, err := New(testOptions(options...))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// testOptions returns the Options newTestService would build from.
func testOptions(options ...option) Options {
	b := &testBuild{opts: Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	for _, o := range options {
		o(b)
	}
	if len(b.translation) == 0 && len(b.opts.Translation.Chain) == 0 {
		withTranslator("llm", &fakeTranslator{name: "llm"})(b)
	}
	if len(b.summarizing) == 0 && len(b.opts.Summarizing.Chain) == 0 {
		withSummarizer("sum", &fakeSummarizer{name: "sum"})(b)
	}
	if len(b.opts.Translation.Chain) == 0 {
		b.opts.Translation.Chain = b.translation
	}
	if len(b.opts.Summarizing.Chain) == 0 {
		b.opts.Summarizing.Chain = b.summarizing
	}
	if b.override {
		b.opts.Translation.AllowOverride = b.opts.Translation.Chain
		b.opts.Summarizing.AllowOverride = b.opts.Summarizing.Chain
	}
	return b.opts
}

// provider returns the provider of that name, added when new.
func (b *testBuild) provider(name string) *Provider {
	for i := range b.opts.Providers {
		if b.opts.Providers[i].Name == name {
			return &b.opts.Providers[i]
		}
	}
	b.opts.Providers = append(b.opts.Providers, Provider{Name: name})
	return &b.opts.Providers[len(b.opts.Providers)-1]
}

// withTranslator adds tr, under name, to the translation route, after
// those added before; edits set the rest of the provider.
func withTranslator(name string, tr providers.Translator, edits ...func(*Provider)) option {
	return func(b *testBuild) {
		p := b.provider(name)
		p.Translator = tr
		for _, edit := range edits {
			edit(p)
		}
		if !slices.Contains(b.translation, name) {
			b.translation = append(b.translation, name)
		}
	}
}

// withSummarizer adds sm, under name, to the summarization route.
func withSummarizer(name string, sm providers.Summarizer, edits ...func(*Provider)) option {
	return func(b *testBuild) {
		p := b.provider(name)
		p.Summarizer = sm
		for _, edit := range edits {
			edit(p)
		}
		if !slices.Contains(b.summarizing, name) {
			b.summarizing = append(b.summarizing, name)
		}
	}
}

// budget bounds the batches sent to a provider.
func budget(bu Budget) func(*Provider) { return func(p *Provider) { p.Budget = bu } }

// summaryBudget bounds the text a provider's summarizer is given at once.
func summaryBudget(bu Budget) func(*Provider) { return func(p *Provider) { p.SummaryBudget = bu } }

// glossaryInPrompt makes a provider take the glossary in its prompt.
func glossaryInPrompt(p *Provider) { p.GlossaryInPrompt = true }

// withCache puts the Service over store.
func withCache(store cache.Store) option { return func(b *testBuild) { b.opts.Cache = store } }

// withDetector gives the Service a language detector.
func withDetector(d Detector) option { return func(b *testBuild) { b.opts.Detector = d } }

// overridable lets a request name any provider of the routes.
func overridable(b *testBuild) { b.override = true }

// withOptions edits the Options directly, for what the others do not say.
func withOptions(edit func(*Options)) option { return func(b *testBuild) { edit(&b.opts) } }
