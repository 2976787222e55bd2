package registry

import (
	"passerelle/article"
	"passerelle/internal/redact"
	"passerelle/providers/libretranslate"
)

// LibreTranslateOptions configure a provider of type libretranslate: a
// LibreTranslate server.
type LibreTranslateOptions struct {
	// URL is the server's root. Required.
	URL string `yaml:"url"`
	// APIKey is sent when set; a server started without --api-keys needs
	// none.
	APIKey string `yaml:"api_key"`
}

var libreTranslateRow = Row{
	Type:         "libretranslate",
	Capabilities: Capabilities{Translate: true, HTML: true},
	SelfHosted:   true,
	Timeout:      libretranslate.DefaultTimeout,
	Options:      func() Options { return &LibreTranslateOptions{} },
	Env:          &Env{Name: "libretranslate", Key: "LIBRETRANSLATE_API_KEY", URL: "LIBRETRANSLATE_URL", URLAlone: true},
}

// Default implements Options.
func (o *LibreTranslateOptions) Default() {}

// Check implements Options.
func (o *LibreTranslateOptions) Check() []Problem {
	if o.URL == "" {
		return []Problem{{"url", "is empty: give the LibreTranslate server's URL, e.g. http://127.0.0.1:5000"}}
	}
	return nil
}

// Masked implements Options.
func (o *LibreTranslateOptions) Masked() Options {
	m := *o
	m.APIKey = mask(o.APIKey)
	m.URL = redact.URL(o.URL)
	return &m
}

// Credentials implements Options.
func (o *LibreTranslateOptions) Credentials() Credentials { return credentials(o.APIKey, false) }

// FromEnv implements Options.
func (o *LibreTranslateOptions) FromEnv(key, url, _ string) {
	set(&o.APIKey, key)
	set(&o.URL, url)
}

// Budget implements Options: the server's default LT_BATCH_LIMIT and
// LT_CHAR_LIMIT.
func (o *LibreTranslateOptions) Budget() Budget {
	return Budget{Budget: article.Budget{Max: 5000, MaxPieces: 32}}
}

// Build implements Options.
func (o *LibreTranslateOptions) Build(s Setup) (Parts, error) {
	p, err := libretranslate.New(libretranslate.Options{Name: s.Name, URL: o.URL, APIKey: o.APIKey, Timeout: s.Timeout, MaxConcurrency: s.MaxConcurrency})
	if err != nil {
		return Parts{}, err
	}
	return Parts{Translator: p}, nil
}
