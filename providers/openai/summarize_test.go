package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"passerelle/providers"
)

func TestSummarize(t *testing.T) {
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
		f.completion(w, "\n  Vladimir Putin received Kim Jong Un in Vladivostok on Thursday.  \n", "stop")
	})
	p := newProvider(t, f, Options{})
	req := providers.SummarizeRequest{Lang: "en", Title: "Poutine et Kim", Text: "Le président russe a reçu jeudi le dirigeant nord-coréen.", Sentences: 2}
	got, err := p.Summarize(context.Background(), req)
	if err != nil {
		t.Fatalf("Summarize: %v", err)
	}
	want := providers.SummarizeResult{
		Summary: "Vladimir Putin received Kim Jong Un in Vladivostok on Thursday.",
		Model:   testServedModel,
		Usage:   providers.Usage{PromptTokens: testPromptTokens, CompletionTokens: testCompletionTokens},
	}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}

	calls := f.calls()
	if len(calls) != 1 {
		t.Fatalf("%d chat completions, want 1", len(calls))
	}
	sent := calls[0]
	if sys := sent.message("system"); !strings.Contains(sys, "summary in English") || !strings.Contains(sys, "about 2 sentences") {
		t.Errorf("system prompt = %q, want the language name and the length", sys)
	}
	var in summarizeInput
	if err := json.Unmarshal([]byte(sent.message("user")), &in); err != nil {
		t.Fatalf("user message is not JSON: %v", err)
	}
	if wantIn := (summarizeInput{Lang: "en", Title: req.Title, Text: req.Text, Sentences: 2}); !reflect.DeepEqual(in, wantIn) {
		t.Errorf("user message = %+v, want %+v", in, wantIn)
	}
	if sent.ResponseFormat != nil {
		t.Errorf("response_format = %+v, want none: a summary is plain text", sent.ResponseFormat)
	}
	if temp := string(sent.raw["temperature"]); temp != "0" {
		t.Errorf("temperature on the wire = %q, want 0", temp)
	}
}

func TestSummarizeErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer answerFunc
		want   providers.Kind
	}{
		{"empty answer", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			f.completion(w, " \n ", "stop")
		}, providers.KindBadOutput},
		{"cut off", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			f.completion(w, "Vladimir Putin received", "length")
		}, providers.KindBadOutput},
		{"overloaded", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
			f.writeError(w, 503, "server_error", "", "The engine is currently overloaded, please try again later.", nil)
		}, providers.KindUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, tt.answer)
			p := newProvider(t, f, Options{})
			got, err := p.Summarize(context.Background(), providers.SummarizeRequest{Lang: "en", Text: "Le président russe a reçu jeudi le dirigeant nord-coréen."})
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != tt.want {
				t.Fatalf("Summarize error = %v, want a *providers.Error of kind %v", err, tt.want)
			}
			if got != (providers.SummarizeResult{}) {
				t.Errorf("Summarize = %+v alongside an error, want the zero result", got)
			}
		})
	}
}
