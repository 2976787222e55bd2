package jobclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// reply is what the output needs of an article's reply: /v1/articles gives
// all of it, /v1/translate no summary, /v1/summarize no translation.
type reply struct {
	Translation *struct {
		Title      string   `json:"title"`
		Paragraphs []string `json:"paragraphs"`
	} `json:"translation"`
	Summary *struct {
		Text string `json:"text"`
	} `json:"summary"`
	Complete *bool `json:"complete"`
	Warnings []struct {
		Paragraph int    `json:"paragraph"`
		Code      string `json:"code"`
		Check     string `json:"check"`
		Message   string `json:"message"`
	} `json:"warnings"`
}

// title is the reply's English title, "" when it has none.
func (r reply) title() string {
	if r.Translation == nil {
		return ""
	}
	return r.Translation.Title
}

// markdown renders a reply: the title, the paragraphs, a Summary section,
// and a Warnings section when some paragraph could not be translated as it
// should.
func markdown(r reply, name string) []byte {
	var b bytes.Buffer
	title := r.title()
	if title == "" {
		title = name
	}
	fmt.Fprintf(&b, "# %s\n", title)
	if r.Translation != nil {
		for _, p := range r.Translation.Paragraphs {
			fmt.Fprintf(&b, "\n%s\n", p)
		}
	}
	if r.Summary != nil && r.Summary.Text != "" {
		fmt.Fprintf(&b, "\n## Summary\n\n%s\n", r.Summary.Text)
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\n## Warnings\n\n")
		for _, w := range r.Warnings {
			where := fmt.Sprintf("paragraph %d", w.Paragraph+1)
			if w.Paragraph < 0 {
				where = "title"
			}
			code := w.Code
			if w.Check != "" {
				code += " (" + w.Check + ")"
			}
			fmt.Fprintf(&b, "- %s: %s: %s\n", where, code, w.Message)
		}
	}
	return b.Bytes()
}

// render is the output of a result in format "md" or "json".
func render(raw json.RawMessage, format, name string) ([]byte, error) {
	if format == "json" {
		var out bytes.Buffer
		if err := json.Indent(&out, raw, "", "  "); err != nil {
			return nil, err
		}
		out.WriteByte('\n')
		return out.Bytes(), nil
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	return markdown(r, name), nil
}

// outputPath is where the article name is written in format.
func outputPath(dir, name, format string) string {
	ext := ".en.md"
	if format == "json" {
		ext = ".en.json"
	}
	return filepath.Join(dir, filepath.FromSlash(name)+ext)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// writeFile writes b to p whole or not at all (a temporary file renamed),
// so that a client stopped mid-write never leaves an output that a rerun
// would take for finished.
func writeFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// isIncomplete reports whether the reply says some paragraph is missing.
func isIncomplete(raw json.RawMessage) bool {
	var r reply
	return json.Unmarshal(raw, &r) == nil && r.Complete != nil && !*r.Complete
}

// describe is the one-line account of a failed article.
func describe(r Result) string {
	if r.Error == nil {
		return fmt.Sprintf("status %d", r.Status)
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", r.Status, r.Error.Error()))
}
