package providers

import (
	"context"
	"strings"
	"testing"
)

func TestTranslateWithSplits(t *testing.T) {
	// The fake model accepts at most 2 segments a call and miscounts any
	// batch holding "bad".
	var calls [][]string
	call := func(_ context.Context, segs []string) ([]string, error) {
		calls = append(calls, segs)
		if len(segs) > 2 {
			return nil, &Error{Kind: KindContextLength}
		}
		if len(segs) > 1 && strings.Contains(strings.Join(segs, " "), "bad") {
			return nil, &Error{Kind: KindBadOutput}
		}
		out := make([]string, len(segs))
		for i, s := range segs {
			out[i] = strings.ToUpper(s)
		}
		return out, nil
	}
	got, err := TranslateWithSplits(context.Background(), []string{"a", "b", "bad", "c", "d"}, call)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "A,B,BAD,C,D" {
		t.Errorf("got %q, want every segment translated in order", got)
	}
	if len(calls) < 5 {
		t.Errorf("calls = %d, want splits", len(calls))
	}
	auth := func(context.Context, []string) ([]string, error) { return nil, &Error{Kind: KindAuth} }
	if _, err := TranslateWithSplits(context.Background(), []string{"a", "b"}, auth); KindOf(err) != KindAuth {
		t.Errorf("an auth error was split instead of returned: %v", err)
	}
}
