package registry

import (
	"strconv"

	"passerelle/internal/redact"
)

// mask hides a secret, and shows that there was none.
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return redact.Mask
}

// maskValues masks every value of m (headers may carry a key).
func maskValues(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = mask(v)
	}
	return out
}

// set sets *field to v unless v is empty.
func set(field *string, v string) {
	if v != "" {
		*field = v
	}
}

func quote(s string) string { return strconv.Quote(s) }
