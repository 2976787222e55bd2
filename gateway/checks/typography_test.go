package checks

import "testing"

func TestEnglishTypography(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Apertium guillemets", "Kim Jong-One has said to expect to « a significant dialogue » with the Russian president.",
			`Kim Jong-One has said to expect to "a significant dialogue" with the Russian president.`},
		{"no inner spaces", "First summit Putin-Kim for raviver of the historical «bonds»", `First summit Putin-Kim for raviver of the historical "bonds"`},
		{"no-break spaces", "he said «\u00a0no\u00a0»", `he said "no"`},
		{"narrow no-break spaces", "he said «\u202fno\u202f»!", `he said "no"!`},
		{"nested", "« He called it ‹ l'affaire › yesterday »", `"He called it ‘l'affaire’ yesterday"`},
		{"question mark", "Why ?", "Why?"},
		{"colon", "Note : x", "Note: x"},
		{"semicolon and exclamation", "Yes ; no\u00a0!", "Yes; no!"},
		{"narrow space before question mark", "Really\u202f?", "Really?"},
		{"percent", "a rise of 3,5 %", "a rise of 3,5%"},
		{"decimal comma kept", "3,5 million", "3,5 million"},
		{"time", "at 14:30 on Thursday", "at 14:30 on Thursday"},
		{"URL", "see https://example.org/a?b=1&c=2:3", "see https://example.org/a?b=1&c=2:3"},
		{"space after a URL kept", "did you read https://example.org ?", "did you read https://example.org ?"},
		{"line starting with a colon", "a\n : b", "a\n : b"},
		{"nothing French", `He said "no" and left.`, `He said "no" and left.`},
		{"paragraphs kept", "One ?\n\nTwo !", "One?\n\nTwo!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EnglishTypography(tt.in); got != tt.want {
				t.Errorf("EnglishTypography(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSpaceBeforeStops(t *testing.T) {
	tests := []struct{ in, want string }{
		{"it would not resign .", "it would not resign."},
		{"Moscow , Pyongyang and Seoul .", "Moscow, Pyongyang and Seoul."},
		{"a rate of .5 percent", "a rate of .5 percent"},
		{"and then . . . nothing", "and then . . . nothing"},
		{"3,5 million", "3,5 million"},
	}
	for _, tt := range tests {
		if got := EnglishTypography(tt.in); got != tt.want {
			t.Errorf("EnglishTypography(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
