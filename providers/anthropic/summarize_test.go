package anthropic

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
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
		f.message(w, "end_turn", textBlock("\n  Vladimir Putin received Kim Jong Un"), textBlock(" in Vladivostok on Thursday.  \n"))
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
		Usage:   providers.Usage{PromptTokens: testInputTokens, CompletionTokens: testOutputTokens},
	}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}

	calls := f.calls()
	if len(calls) != 1 {
		t.Fatalf("%d Messages requests, want 1", len(calls))
	}
	c := calls[0]
	if !strings.Contains(c.System, "summary in English") || !strings.Contains(c.System, "about 2 sentences") {
		t.Errorf("system prompt = %q, want the language name and the length", c.System)
	}
	var in summarizeInput
	if err := json.Unmarshal([]byte(c.user()), &in); err != nil {
		t.Fatalf("user message is not JSON: %v", err)
	}
	if wantIn := (summarizeInput{Lang: "en", Title: req.Title, Text: req.Text, Sentences: 2}); !reflect.DeepEqual(in, wantIn) {
		t.Errorf("user message = %+v, want %+v", in, wantIn)
	}
	if c.Tools != nil || c.ToolChoice != nil {
		t.Errorf("tools = %+v, tool_choice = %+v, want none: a summary is plain text", c.Tools, c.ToolChoice)
	}
	if temp := string(c.raw["temperature"]); temp != "0" {
		t.Errorf("temperature on the wire = %q, want 0", temp)
	}
}

func TestSummarizeErrors(t *testing.T) {
	tests := []struct {
		name   string
		answer answerFunc
		want   providers.Kind
	}{
		{"empty answer", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
			f.message(w, "end_turn", textBlock(" \n "))
		}, providers.KindBadOutput},
		{"no content", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
			f.message(w, "end_turn")
		}, providers.KindBadOutput},
		{"cut off", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
			f.message(w, "max_tokens", textBlock("Vladimir Putin received"))
		}, providers.KindBadOutput},
		{"refused", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
			f.message(w, "refusal", textBlock("I can"))
		}, providers.KindBadOutput},
		{"overloaded", func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
			f.writeError(w, 529, "overloaded_error", "Overloaded", nil)
		}, providers.KindUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, tt.answer)
			got, err := newProvider(t, f, Options{}).Summarize(context.Background(), providers.SummarizeRequest{Lang: "en", Text: "Le président russe a reçu jeudi le dirigeant nord-coréen."})
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
