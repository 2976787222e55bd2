package apertium

import (
	"context"
	"errors"
	"strings"
	"testing"

	"passerelle/internal/testenv"
	"passerelle/providers"
)

// TestPostRealError checks the error shape of the real server, which the
// route check keeps Translate from ever provoking.
func TestPostRealError(t *testing.T) {
	tests := []struct {
		name        string
		chain       []string
		wantMessage string
	}{
		{name: "pair not installed", chain: []string{"fra", "deu"}, wantMessage: "not installed"},
		{name: "chain leg not installed", chain: []string{"fra", "deu", "eng"}, wantMessage: "fra-deu is not installed"},
	}
	p, err := New(Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.post(context.Background(), tt.chain, "Bonjour.", providers.FormatText)
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a *providers.Error", err)
			}
			if pe.Kind != providers.KindBadRequest || pe.Status != 400 {
				t.Errorf("kind, status = %v, %d; want %v, 400", pe.Kind, pe.Status, providers.KindBadRequest)
			}
			if !strings.Contains(pe.Message, tt.wantMessage) {
				t.Errorf("Message = %q, want it to contain %q", pe.Message, tt.wantMessage)
			}
		})
	}
}
