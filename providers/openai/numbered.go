package openai

import (
	"fmt"
	"passerelle/providers"
	"strconv"
	"strings"
)

// parseNumbered reads the answer of the translate_numbered prompt: exactly n
// items numbered 1 to n in order, each on a line that starts with its number,
// a full stop and a space ("3. text"). Blank lines between items are allowed.
//
// Anything else is refused rather than guessed at: text before item 1, a
// number missing, repeated or out of order, an item past n, fewer than n
// items. A line without a number is refused too when n > 1, since it may as
// well be a segment whose number was lost as the rest of the item above it;
// asked alone (n == 1), a segment may take several lines, kept as they are.
func parseNumbered(answer string, n int) ([]string, error) {
	lines := strings.Split(strings.ReplaceAll(strings.TrimSpace(answer), "\r\n", "\n"), "\n")
	var out []string
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		num, text, ok := numbered(line)
		switch {
		case ok && num == len(out)+1:
			out = append(out, text)
		case len(out) == 0:
			return nil, fmt.Errorf("line %d: %q where item 1 was due", i+1, providers.Truncate(line, 40))
		case n > 1:
			// Another number, or none: a second line of the item above, or
			// an item whose number was lost, skipped or repeated.
			return nil, fmt.Errorf("line %d: %q where item %d was due", i+1, providers.Truncate(line, 40), len(out)+1)
		default:
			// A lone segment's translation on several lines.
			out[0] += "\n" + line
		}
	}
	if len(out) != n {
		return nil, fmt.Errorf("%d items for %d segments", len(out), n)
	}
	return out, nil
}

// numbered splits "12. text" into 12 and "text".
func numbered(line string) (int, string, bool) {
	digits, text, ok := strings.Cut(line, ". ")
	if !ok || digits == "" || len(digits) > 4 {
		return 0, "", false
	}
	num, err := strconv.Atoi(digits)
	if err != nil || num < 1 || digits[0] == '+' || digits[0] == '-' {
		return 0, "", false
	}
	return num, strings.TrimSpace(text), true
}
