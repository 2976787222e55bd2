package deepl

import (
	"net/http"
	"strings"
	"testing"
)

// TestFakeRejectsBadRequests proves the fake server can fail: each request
// breaks DeepL's documented format in one way, and the fake must answer it
// with an error and record a violation.
func TestFakeRejectsBadRequests(t *testing.T) {
	const valid = `{"text":["Bonjour"],"source_lang":"FR","target_lang":"EN-US","show_billed_characters":true}`
	tests := []struct {
		name        string
		method      string
		path        string
		auth        string
		contentType string
		body        string
		wantStatus  int
		want        string // in the violation
	}{
		{"valid", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/json", valid, 200, ""},
		{"no Authorization", "POST", "/v2/translate", "", "application/json", valid, 403, "Authorization"},
		{"bearer token", "POST", "/v2/translate", "Bearer " + testKey, "application/json", valid, 403, "Authorization"},
		{"scheme without key", "POST", "/v2/translate", "DeepL-Auth-Key ", "application/json", valid, 403, "Authorization"},
		{"key in the URL", "POST", "/v2/translate?auth_key=" + testKey, "DeepL-Auth-Key " + testKey, "application/json", valid, 403, "key is in the URL"},
		{"key in the body", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/json",
			`{"text":["` + testKey + `"],"target_lang":"EN-US"}`, 403, "key is in the body"},
		{"form body", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/x-www-form-urlencoded",
			"text=Bonjour&target_lang=EN-US", 400, "Content-Type"},
		{"unknown field", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/json",
			`{"text":["Bonjour"],"target_lang":"EN-US","preserve_formatting":true}`, 400, `"preserve_formatting" is unsupported`},
		{"wrong formality", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/json",
			`{"text":["Bonjour"],"target_lang":"EN-US","formality":"formal"}`, 400, "is not one of"},
		{"source variant", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/json",
			`{"text":["Bonjour"],"source_lang":"FR-FR","target_lang":"EN-US"}`, 400, "/source_lang: string doesn't match"},
		{"glossary without source", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/json",
			`{"text":["Bonjour"],"target_lang":"EN-US","glossary_id":"g"}`, 400, "glossary_id without source_lang"},
		{"over 128 KiB", "POST", "/v2/translate", "DeepL-Auth-Key " + testKey, "application/json",
			`{"text":["` + strings.Repeat("a", 128<<10) + `"],"target_lang":"EN-US"}`, 413, "over DeepL's limit"},
		{"unknown endpoint", "GET", "/v2/translations", "DeepL-Auth-Key " + testKey, "", "", 404, "unexpected request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, translating)
			req, err := http.NewRequest(tt.method, f.url+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			got := strings.Join(f.takeViolations(), "; ")
			if tt.want == "" && got != "" {
				t.Errorf("violations = %q, want none", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("violations = %q, want one containing %q", got, tt.want)
			}
		})
	}
}
