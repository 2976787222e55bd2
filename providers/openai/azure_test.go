package openai

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"passerelle/providers"
)

// azureResource makes a fakeServer an Azure OpenAI resource with one
// deployment, as documented at
// https://learn.microsoft.com/azure/ai-services/openai/reference: chat
// completions at /openai/deployments/{deployment}/chat/completions with an
// api-version query parameter, and the key in an api-key header.
type azureResource struct {
	deployment string
	apiVersion string
}

// accept checks the Azure parts of a request and answers the errors Azure
// would; it returns false when it has answered.
func (a *azureResource) accept(f *fakeServer, w http.ResponseWriter, r *http.Request) bool {
	if auth := r.Header.Get("Authorization"); auth != "" {
		f.t.Errorf("Authorization = %q, want the key in api-key only", auth)
	}
	if v := r.URL.Query().Get("api-version"); v != a.apiVersion {
		f.t.Errorf("%s: api-version = %q, want %q", r.URL, v, a.apiVersion)
		azureError(w, http.StatusNotFound, "404", "Resource not found")
		return false
	}
	if key := r.Header.Get("api-key"); key != testKey {
		azureError(w, http.StatusUnauthorized, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.")
		return false
	}
	if r.Method == http.MethodGet && r.URL.Path == "/openai/models" {
		// Models - List, which Ping calls.
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[{"status":"succeeded","capabilities":{"chat_completion":true},"lifecycle_status":"generally-available","id":"gpt-4o-mini-2024-07-18","created_at":1721347200,"object":"model"}],"object":"list"}`))
		return false
	}
	if r.Method == http.MethodPost {
		if want := "/openai/deployments/" + a.deployment + "/chat/completions"; r.URL.Path != want {
			f.t.Errorf("POST %s, want %s", r.URL.Path, want)
			azureError(w, http.StatusNotFound, "DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.")
			return false
		}
	}
	return true
}

// azureError writes Azure's error body, whose code is often the status as a string.
func azureError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(`{"error":{"code":"` + code + `","message":"` + message + `"}}`))
}

func newAzureServer(t *testing.T, deployment, apiVersion string, answer answerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, spec: loadSpec(t), answer: answer, azure: &azureResource{deployment: deployment, apiVersion: apiVersion}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func TestAzure(t *testing.T) {
	tests := []struct {
		name           string
		opts           Options
		wantDeployment string
		wantVersion    string
	}{
		{"named deployment", Options{Model: "gpt-4o-mini", Deployment: "passerelle-prod", APIVersion: "2024-10-21"}, "passerelle-prod", "2024-10-21"},
		{"deployment only", Options{Deployment: "gpt4o-mini-fr"}, "gpt4o-mini-fr", DefaultAzureAPIVersion},
		// go-openai's mapping: dots go from 3.5 model names, colons from all.
		{"deployment from the model", Options{Model: "gpt-3.5-turbo", APIVersion: "2025-04-01-preview"}, "gpt-35-turbo", "2025-04-01-preview"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAzureServer(t, tt.wantDeployment, tt.wantVersion, translating)
			opts := tt.opts
			opts.APIType = APITypeAzure
			// An endpoint copied with /openai/ works too.
			f.url += "/openai/"
			p := newProvider(t, f, opts)
			got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			if want := fakeTranslateAll(frenchSegments); !reflect.DeepEqual(got.Translations, want) {
				t.Errorf("Translations = %q, want %q", got.Translations, want)
			}
			if n := len(f.calls()); n != 1 {
				t.Errorf("%d chat completions, want 1", n)
			}
			if err := p.Ping(context.Background()); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
}

func TestAzureErrors(t *testing.T) {
	t.Run("wrong key", func(t *testing.T) {
		const wrongKey = "0123456789abcdef0123456789abcdef"
		f := newAzureServer(t, "passerelle", DefaultAzureAPIVersion, translating)
		p := newProvider(t, f, Options{APIType: APITypeAzure, BaseURL: f.url, Deployment: "passerelle", APIKey: wrongKey})
		_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.KindAuth || pe.Status != 401 {
			t.Errorf("Translate error = %v, want KindAuth with HTTP 401", err)
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		f := newAzureServer(t, "passerelle", DefaultAzureAPIVersion, func(_ *fakeServer, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			w.Header().Set("Retry-After", "6")
			w.Header().Set("retry-after-ms", "5240")
			azureError(w, http.StatusTooManyRequests, "429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds.")
		})
		p := newProvider(t, f, Options{APIType: APITypeAzure, BaseURL: f.url, Deployment: "passerelle"})
		_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
		var pe *providers.Error
		if !errors.As(err, &pe) || pe.Kind != providers.KindRateLimited || pe.RetryAfter != 5240*time.Millisecond {
			t.Errorf("Translate error = %v, want KindRateLimited with RetryAfter 5.24s", err)
		}
		if n := len(f.calls()); n != 1 {
			t.Errorf("%d chat completions, want 1", n)
		}
	})
}

func TestAzureOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no endpoint", Options{APIType: APITypeAzure, APIKey: testKey, Deployment: "d"}, "resource endpoint"},
		{"OpenAI's endpoint", Options{APIType: APITypeAzure, APIKey: testKey, BaseURL: DefaultBaseURL, Deployment: "d"}, "resource endpoint"},
		{"no key", Options{APIType: APITypeAzure, BaseURL: "https://res.openai.azure.com", Deployment: "d"}, "API key"},
		{"deployment without azure", Options{Deployment: "d"}, "Azure only"},
		{"unknown API type", Options{APIType: "bedrock"}, "API type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
