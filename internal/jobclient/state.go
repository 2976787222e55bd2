package jobclient

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// stateFile is the file, in the output folder, that names the job the
// folder's outputs come from, so that a second run follows it rather than
// submitting the articles again.
const stateFile = ".passerelle-job.json"

// state is what a run keeps of the job it started.
type state struct {
	Server string `json:"server"`
	ID     string `json:"id"`
	// Request identifies what was asked (inputs, feed, task, options): a
	// run that asks something else starts its own job.
	Request string `json:"request"`
	// Names are the outputs of the job's articles, by index; results past
	// them are the feed's items.
	Names []string `json:"names"`
}

// fingerprint identifies a request, to tell whether a kept job is this
// run's: the same articles (by name and content, however the command named
// them), feed and options.
func fingerprint(o Options, ins []input) string {
	articles := make([]any, len(ins))
	for i, in := range ins {
		articles[i] = []any{in.name, in.source}
	}
	b, _ := json.Marshal([]any{articles, o.Feed, o.Task, o.Format, o.SummarySentences, o.Glossary})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// loadState reads the kept job of dir; nil when there is none.
func loadState(dir string) (*state, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil || s.ID == "" {
		return nil, nil // unreadable: a new job replaces it
	}
	return &s, nil
}

func saveState(dir string, s *state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, stateFile), append(b, '\n'))
}
