package jobclient

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// LoadGlossary reads a glossary file: a JSON object of terms, or lines
// "term = translation" (or "term<TAB>translation"), with blank lines and
// lines starting with # passed over.
func LoadGlossary(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if trimmed := bytes.TrimSpace(b); bytes.HasPrefix(trimmed, []byte("{")) {
		var g map[string]string
		if err := json.Unmarshal(trimmed, &g); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return g, nil
	}
	g := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		term, translation, ok := strings.Cut(line, "\t")
		if !ok {
			term, translation, ok = strings.Cut(line, "=")
		}
		term, translation = strings.TrimSpace(term), strings.TrimSpace(translation)
		if !ok || term == "" || translation == "" {
			return nil, fmt.Errorf("%s:%d: write \"term = translation\"", path, n)
		}
		g[term] = translation
	}
	return g, sc.Err()
}
