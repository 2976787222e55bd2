package redact

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.openai.com/v1", "https://api.openai.com/v1"},
		{"https://user:pw-s3cret@proxy.example/v1", "https://***@proxy.example/v1"},
		{"https://sk-only-a-user@proxy.example/v1", "https://***@proxy.example/v1"},
		{"redis://:hunter22@127.0.0.1:6379/0", "redis://***@127.0.0.1:6379/0"},
		{"http://collector:4318/v1/traces?token=t0ken&x=", "http://collector:4318/v1/traces?token=***&x="},
		{"https://h/translate?key=AIza-secret&api_key=k2&q=texte#frag", "https://h/translate?key=***&api_key=***&q=***#frag"},
		{"https://u:p@h/p?k=v", "https://***@h/p?k=***"},
		// An unescaped "/" or "@" in the password: the whole user info still goes.
		{"redis://user:pa/ss@host:6379", "redis://***@host:6379"},
		{"redis://user:p@ss@host:6379", "redis://***@host:6379"},
		// An "@" in a path is not user info.
		{"https://medium.com/@someone/article", "https://medium.com/@someone/article"},
		{"not a url", "not a url"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestURLsInText(t *testing.T) {
	in := `Post "http://alice:pw-s3cret@127.0.0.1:1/v1/chat/completions?key=k3y-s3cret": dial tcp 127.0.0.1:1: connect: connection refused; see https://docs.example/errors`
	want := `Post "http://***@127.0.0.1:1/v1/chat/completions?key=***": dial tcp 127.0.0.1:1: connect: connection refused; see https://docs.example/errors`
	if got := URLs(in); got != want {
		t.Errorf("URLs =\n%s\nwant\n%s", got, want)
	}
}

// TestNetHTTPErrorsOnlyHideThePassword pins why this package exists: the
// errors of net/http hide a URL's password but not its user name or query.
func TestNetHTTPErrorsOnlyHideThePassword(t *testing.T) {
	_, err := http.Get("http://alice-user:pw-s3cret@127.0.0.1:1/x?token=t0ken-s3cret")
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want a *url.Error", err)
	}
	text := err.Error()
	if strings.Contains(text, "pw-s3cret") || !strings.Contains(text, "alice-user") || !strings.Contains(text, "t0ken-s3cret") {
		t.Errorf("net/http's error text changed: %s", text)
	}
	for _, secret := range []string{"alice-user", "pw-s3cret", "t0ken-s3cret"} {
		if strings.Contains(URLs(text), secret) {
			t.Errorf("URLs(%q) keeps %q", text, secret)
		}
	}
}

func TestSecretsOfAURLThatDoesNotParse(t *testing.T) {
	raw := "redis://admin:hunter2-s3cret:x@host:port/0"
	_, err := url.Parse(raw)
	if err == nil {
		t.Fatal("the URL parses; pick one that does not")
	}
	got := Secrets(URLs(err.Error()), URLSecrets(raw)...)
	for _, secret := range []string{"hunter2-s3cret", "admin"} {
		if strings.Contains(got, secret) {
			t.Errorf("the parse error still shows %q: %s", secret, got)
		}
	}
	// The parser's complaint is kept for the piece it names without a secret.
	if !strings.Contains(got, "port") {
		t.Errorf("the reason was lost: %s", got)
	}
}

func TestSecretsLeavesShortValues(t *testing.T) {
	if got := Secrets("a timeout of 30s", "a", "30s", "", "timeout"); got != "a *** of 30s" {
		t.Errorf("Secrets = %q", got)
	}
}
