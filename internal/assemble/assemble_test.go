package assemble_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"passerelle/article"
	"passerelle/cache"
	"passerelle/config"
	"passerelle/gateway"
	"passerelle/internal/assemble"
	"passerelle/providers"
	"passerelle/providers/registry"
)

// phraseOptions are the options of a provider type defined only in this
// test: a translator that answers one fixed phrase, after a key.
type phraseOptions struct {
	APIKey string `yaml:"api_key"`
	Phrase string `yaml:"phrase"`
}

func (o *phraseOptions) Default() {
	if o.Phrase == "" {
		o.Phrase = "The president spoke to the deputies."
	}
}

func (o *phraseOptions) Check() []registry.Problem {
	if !strings.HasSuffix(o.Phrase, ".") {
		return []registry.Problem{{Key: "phrase", Text: "must end a sentence with a full stop"}}
	}
	return nil
}

func (o *phraseOptions) Masked() registry.Options {
	m := *o
	m.APIKey = "***"
	return &m
}

func (o *phraseOptions) Credentials() registry.Credentials {
	if o.APIKey == "" {
		return registry.KeyMissing
	}
	return registry.KeyPresent
}

func (o *phraseOptions) FromEnv(key, _, _ string) {
	if key != "" {
		o.APIKey = key
	}
}

func (o *phraseOptions) Budget() registry.Budget {
	return registry.Budget{Budget: article.Budget{Max: 1000}}
}

func (o *phraseOptions) Build(s registry.Setup) (registry.Parts, error) {
	if o.APIKey == "" {
		return registry.Parts{}, nil
	}
	return registry.Parts{Translator: phraseTranslator{phrase: o.Phrase}}, nil
}

type phraseTranslator struct{ phrase string }

func (p phraseTranslator) Translate(_ context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	out := make([]string, len(req.Segments))
	for i := range out {
		out[i] = p.phrase
	}
	return providers.TranslateResult{Translations: out, Model: "phrase"}, nil
}

func (p phraseTranslator) Fingerprint() string { return "phrase/" + p.phrase }

// TestNewTypeIsOneRow: a provider type registered here, and nowhere in
// config or assemble, is read from a file (its own options beside the
// common ones, a misspelt key refused, its own check applied), defined by
// its environment shortcut, reported unavailable without its key, and
// built and served end to end.
func TestNewTypeIsOneRow(t *testing.T) {
	t.Cleanup(registry.Register(registry.Row{
		Type:         "phrase",
		Capabilities: registry.Capabilities{Translate: true, NeedsKey: true},
		Timeout:      5 * time.Second,
		Options:      func() registry.Options { return &phraseOptions{} },
		Env:          &registry.Env{Name: "phrase", Key: "PHRASE_API_KEY"},
	}))
	load := func(t *testing.T, yaml string, env map[string]string) (config.Config, error) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return config.Load(func(k string) string {
			if k == config.EnvConfig {
				return path
			}
			return env[k]
		})
	}
	serve := func(t *testing.T, cfg config.Config) *gateway.Service {
		t.Helper()
		svc, err := assemble.Service(cfg, cache.NewMemory(cache.MemoryOptions{}), nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	const file = "translation: {provider: mine, fallbacks: []}\nproviders:\n  mine: {type: phrase, api_key: k, phrase: %s, timeout: 3s, max_batch: 500}\n"

	t.Run("misspelt key", func(t *testing.T) {
		_, err := load(t, strings.Replace(file, "phrase: %s", "phrse: x", 1), nil)
		if err == nil || !strings.Contains(err.Error(), "field phrse not found in a provider of type phrase") {
			t.Errorf("err = %v, want the misspelt key refused", err)
		}
	})
	t.Run("its own check", func(t *testing.T) {
		_, err := load(t, strings.Replace(file, "%s", "no-stop", 1), nil)
		if err == nil || !strings.Contains(err.Error(), "providers.mine.phrase must end a sentence") {
			t.Errorf("err = %v, want the row's own problem", err)
		}
	})
	t.Run("built and served", func(t *testing.T) {
		cfg, err := load(t, strings.Replace(file, "%s", `"The president addressed the deputies."`, 1), nil)
		if err != nil {
			t.Fatal(err)
		}
		if p := cfg.Providers["mine"]; p.Timeout != 3*time.Second || p.MaxConcurrency != 4 || p.Options.(*phraseOptions).Phrase != "The president addressed the deputies." {
			t.Errorf("provider = %+v %+v", p.Common, p.Options)
		}
		if masked := cfg.Masked(); !strings.Contains(masked, "phrase: The president addressed the deputies.") || strings.Contains(masked, "api_key: k\n") {
			t.Errorf("masked configuration:\n%s", masked)
		}
		svc := serve(t, cfg)
		res, err := svc.Translate(context.Background(), gateway.Request{Text: "Le président s'est adressé aux députés."})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Translation; got.Provider != "mine" || !slices.Equal(got.Paragraphs, []string{"The president addressed the deputies."}) {
			t.Errorf("translation by %s: %q", got.Provider, got.Paragraphs)
		}
		i := slices.IndexFunc(svc.Providers(), func(p gateway.ProviderStatus) bool { return p.Name == "mine" })
		if i < 0 {
			t.Fatalf("GET /v1/providers lacks mine: %+v", svc.Providers())
		}
		if p := svc.Providers()[i]; p.Type != "phrase" || !p.Available || p.Credentials != "present" || !p.Capabilities.Translate || p.Capabilities.Summarize {
			t.Errorf("mine = %+v", p)
		}
	})
	t.Run("defined by its environment shortcut, unavailable without its key", func(t *testing.T) {
		cfg, err := load(t, "", map[string]string{"PHRASE_API_KEY": "k", config.EnvTranslationProvider: "phrase"})
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Translation.Chain(); !slices.Equal(got, []string{"phrase", "apertium"}) {
			t.Errorf("translation chain = %v", got)
		}
		cfg, err = load(t, "providers: {phrase: {type: phrase}}", nil)
		if err != nil {
			t.Fatal(err)
		}
		all := serve(t, cfg).Providers()
		i := slices.IndexFunc(all, func(p gateway.ProviderStatus) bool { return p.Name == "phrase" })
		if i < 0 {
			t.Fatalf("GET /v1/providers lacks phrase: %+v", all)
		}
		if p := all[i]; p.Available || p.Reason != "no API key: set providers.phrase.api_key or PHRASE_API_KEY" || p.Credentials != "missing" {
			t.Errorf("phrase without its key = %+v", p)
		}
	})
}
