package registry

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"passerelle/prompts"
)

// TestEveryRowIsComplete: each built-in row makes fresh options whose
// defaults, with what its environment shortcut gives, validate; builds
// what its capabilities promise once its key is there; and says so.
func TestEveryRowIsComplete(t *testing.T) {
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(Rows()) != len(builtin) {
		t.Fatalf("%d rows registered, %d built in", len(Rows()), len(builtin))
	}
	for _, row := range Rows() {
		t.Run(row.Type, func(t *testing.T) {
			a, b := row.Options(), row.Options()
			if reflect.ValueOf(a).Kind() != reflect.Pointer || a == b && reflect.TypeOf(a).Elem().Size() > 0 {
				t.Fatalf("Options() = %T, want a fresh pointer each call", a)
			}
			if row.Timeout <= 0 {
				t.Errorf("default timeout %s", row.Timeout)
			}
			setup := Setup{Name: "p", Timeout: row.Timeout, MaxConcurrency: 4, Prompts: set, Sentences: 2}
			opts := row.Options()
			opts.Default()
			if row.Capabilities.NeedsKey {
				if got := opts.Credentials(); got != KeyMissing {
					t.Errorf("credentials without a key = %s, want missing", got)
				}
				if parts, err := opts.Build(setup); err != nil || parts.Translator != nil || parts.Summarizer != nil {
					t.Errorf("Build without a key = %+v, %v: want nothing and no error, for the route to fall through", parts, err)
				}
			}
			opts.FromEnv("a-key", "http://127.0.0.1:9", "a-model")
			if problems := opts.Check(); len(problems) > 0 {
				t.Errorf("defaults and environment values do not validate: %v", problems)
			}
			if row.Capabilities.NeedsKey && opts.Credentials() != KeyPresent {
				t.Errorf("credentials with a key = %s, want present", opts.Credentials())
			}
			parts, err := opts.Build(setup)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if (parts.Translator != nil) != row.Capabilities.Translate || (parts.Summarizer != nil) != row.Capabilities.Summarize {
				t.Errorf("Build made translator %v, summarizer %v; capabilities say %+v", parts.Translator != nil, parts.Summarizer != nil, row.Capabilities)
			}
			if b := opts.Budget(); b.Max <= 0 || b.SummaryMax < 0 {
				t.Errorf("budget %+v", b)
			}
		})
	}
}

// TestOptionsAreYAML: every option has its key in the file, in snake case.
func TestOptionsAreYAML(t *testing.T) {
	for _, row := range Rows() {
		typ := reflect.TypeOf(row.Options()).Elem()
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name != strings.ToLower(name) {
				t.Errorf("%s: field %s has yaml key %q, want a snake_case one", row.Type, f.Name, name)
			}
		}
	}
}

// TestMaskedHidesSecrets: whatever a file puts in a key, a URL's user info
// and query, or a header is masked, and the options masked are not.
func TestMaskedHidesSecrets(t *testing.T) {
	const url = "https://us3r:pa55@host.example/v1?key=qu3ry"
	for _, row := range Rows() {
		opts := row.Options()
		v := reflect.ValueOf(opts).Elem()
		for i := range v.NumField() {
			key, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
			switch {
			case key == "api_key":
				v.Field(i).SetString("k3y-s3cret")
			case key == "base_url" || key == "url":
				v.Field(i).SetString(url)
			case v.Field(i).Type() == reflect.TypeOf(map[string]string{}):
				v.Field(i).Set(reflect.ValueOf(map[string]string{"api-key": "h3ader"}))
			}
		}
		plain, _ := yaml.Marshal(opts)
		masked, err := yaml.Marshal(opts.Masked())
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"k3y-s3cret", "us3r", "pa55", "qu3ry", "h3ader"} {
			if strings.Contains(string(masked), secret) {
				t.Errorf("%s: masked options show %q:\n%s", row.Type, secret, masked)
			}
		}
		if again, _ := yaml.Marshal(opts); string(again) != string(plain) {
			t.Errorf("%s: Masked changed the options it masks:\n%s", row.Type, again)
		}
	}
}

func TestDefaultRoutesPolicy(t *testing.T) {
	if got := Preferred(); got != "openai" {
		t.Errorf("Preferred() = %q", got)
	}
	if got := OfflineTranslator(); got != "apertium" {
		t.Errorf("OfflineTranslator() = %q", got)
	}
	if got := OfflineSummarizer(); got != "extractive" {
		t.Errorf("OfflineSummarizer() = %q", got)
	}
	if got := TypeList(); got != "anthropic, apertium, deepl, extractive, google, libretranslate, openai" {
		t.Errorf("TypeList() = %q", got)
	}
}

func TestRegisterRefusesClashes(t *testing.T) {
	for name, row := range map[string]Row{
		"a type taken":       {Type: "deepl", Options: deeplRow.Options},
		"no options":         {Type: "other"},
		"a second preferred": {Type: "other", Options: deeplRow.Options, Env: &Env{Name: "other", Preferred: true}},
		"an env name taken":  {Type: "other", Options: deeplRow.Options, Env: &Env{Name: "deepl"}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register accepted %+v", row)
				}
			}()
			unregister := Register(row)
			unregister()
		})
	}
	if _, ok := Lookup("other"); ok {
		t.Error("a refused row stayed registered")
	}
}
