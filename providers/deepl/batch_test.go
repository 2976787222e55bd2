package deepl

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name     string
		base     int
		sizes    []int
		maxTexts int
		maxBytes int
		want     []batch
	}{
		{"empty", 10, nil, 3, 100, nil},
		{"one", 10, []int{90}, 3, 100, []batch{{0, 1}}},
		// 10 + 40 + 1 + 49 = 100: exactly at the limit still fits.
		{"exactly full", 10, []int{40, 49}, 3, 100, []batch{{0, 2}}},
		// The comma makes 101.
		{"one byte over", 10, []int{40, 50}, 3, 100, []batch{{0, 1}, {1, 2}}},
		{"by count", 0, []int{1, 1, 1, 1, 1, 1, 1}, 3, 100, []batch{{0, 3}, {3, 6}, {6, 7}}},
		{"large then small", 10, []int{84, 5, 5, 80, 5}, 10, 100, []batch{{0, 2}, {2, 4}, {4, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := split(tt.base, tt.sizes, tt.maxTexts, tt.maxBytes); !slices.Equal(got, tt.want) {
				t.Errorf("split = %v, want %v", got, tt.want)
			}
		})
	}
}
