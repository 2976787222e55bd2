package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/jobclient/jobstest"
)

// translateProcess is one `passerelle translate` run of the built binary,
// its standard error a pipe (not a terminal).
type translateProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	exited         chan struct{}
}

func startTranslate(t *testing.T, server, key string, args ...string) *translateProcess {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &translateProcess{cmd: exec.Command(bin, append([]string{"translate", "--server", server}, args...)...),
		stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "PASSERELLE_API_KEY="+key)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.exited })
	return p
}

// wait returns the exit status.
func (p *translateProcess) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("passerelle translate did not end:\n%s", p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func frenchFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var threeArticles = map[string]string{
	"sommet.txt":  "Premier sommet Poutine-Kim à Vladivostok\n\nLe sommet inédit s'est achevé jeudi.\n",
	"soudan.html": "<h1>Au Soudan, la pression sur l'armée</h1>\n<p>Les manifestants maintiennent la pression.</p>\n",
	"brexit.txt":  "Brexit : Theresa May sous pression\n\nLes députés conservateurs s'impatientent.\n",
}

// A client killed mid-job follows the same job when run again, from the
// job id it kept, and a third run has nothing left to do.
func TestTranslateResumesAfterKill(t *testing.T) {
	const key = "psl_cli"
	s := jobstest.New(t, key, false)
	in, out := frenchFolder(t, threeArticles), t.TempDir()

	first := startTranslate(t, s.URL, key, "--out", out, in)
	s.Release(1)
	// The stand-in works the last article first.
	waitUntil(t, "the first output", func() bool { _, err := os.Stat(filepath.Join(out, "soudan.en.md")); return err == nil })
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	first.wait(t)
	if _, err := os.Stat(filepath.Join(out, ".passerelle-job.json")); err != nil {
		t.Fatalf("no job id kept: %v", err)
	}

	second := startTranslate(t, s.URL, key, "--out", out, in)
	waitUntil(t, "the second run to follow the job", func() bool { return strings.Contains(second.stderr.String(), "resuming job") })
	s.Release(2)
	if code := second.wait(t); code != 0 {
		t.Errorf("exit status %d, want 0:\n%s", code, second.stderr)
	}
	if got := second.stdout.String(); got != "2 translated, 0 failed, 1 skipped\n" {
		t.Errorf("stdout = %q, want the summary line \"2 translated, 0 failed, 1 skipped\"", got)
	}
	if !strings.Contains(second.stderr.String(), "[2/3] "+filepath.Join(out, "sommet.en.md")) {
		t.Errorf("stderr (a pipe) lacks the plain line of each article:\n%s", second.stderr)
	}
	if n := len(s.Submitted()); n != 1 {
		t.Errorf("%d jobs submitted, want 1", n)
	}
	for _, name := range []string{"sommet.en.md", "soudan.en.md", "brexit.en.md"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Contains(b, []byte("\n## Summary\n")) {
			t.Errorf("%s = %q, %v; want a translation with its summary", name, b, err)
		}
	}

	third := startTranslate(t, s.URL, key, "--out", out, in)
	if code := third.wait(t); code != 0 || third.stdout.String() != "0 translated, 0 failed, 3 skipped\n" {
		t.Errorf("third run: exit %d, stdout %q; want 0 and \"0 translated, 0 failed, 3 skipped\"", code, third.stdout)
	}
}

func TestTranslateFailureExitsOne(t *testing.T) {
	const key = "psl_cli"
	s := jobstest.New(t, key, true)
	files := map[string]string{"panne.txt": "Une dépêche ÉCHEC\n\nLe fournisseur ne répond pas.\n"}
	for k, v := range threeArticles {
		files[k] = v
	}
	in, out := frenchFolder(t, files), t.TempDir()
	p := startTranslate(t, s.URL, key, "--out", out, "--format", "json", in)
	if code := p.wait(t); code != 1 {
		t.Errorf("exit status %d, want 1:\n%s", code, p.stderr)
	}
	if got := p.stdout.String(); got != "3 translated, 1 failed, 0 skipped\n" {
		t.Errorf("stdout = %q, want \"3 translated, 1 failed, 0 skipped\"", got)
	}
	if !strings.Contains(p.stderr.String(), "panne: failed: 502 provider_error") {
		t.Errorf("stderr does not name the failure:\n%s", p.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "sommet.en.json")); err != nil {
		t.Errorf("--format json: %v", err)
	}
}
