package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"passerelle/internal/testenv"
)

// The binary explains its commands, and tells misuse (2) from failure (1).
func TestCommandLine(t *testing.T) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	articles := t.TempDir()
	if err := os.WriteFile(filepath.Join(articles, "sommet.txt"), []byte("Premier sommet\n\nLe sommet s'est achevé.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		wantCode int
		want     []string // in stdout and stderr together
	}{
		{[]string{"--help"}, 0, []string{"Without a command it serves", "translate", "serve", "new-key", "hash-key"}},
		{[]string{"translate", "--help"}, 0, []string{"PATH|URL...", "--server", "PASSERELLE_URL", "PASSERELLE_API_KEY", "--task", "--summary-sentences", "--glossary", "--out", "--format", "--feed", "resumes"}},
		{[]string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{[]string{"translate", "--nope"}, 2, []string{"unknown flag: --nope"}},
		{[]string{"translate", "--out", t.TempDir(), "--server", "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t)), articles}, 1, []string{"connection refused"}},
		{[]string{"translate", "--out", t.TempDir(), "--format", "pdf", articles}, 1, []string{`--format "pdf": md or json`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d:\n%s", code, tt.wantCode, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
