package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// passerelle translate against the real gateway, not the stand-in of its
// contract: a folder of French articles becomes English Markdown files
// through a job on Redis and real Apertium, and a second run finds
// nothing left to do.
func TestTranslateFolderThroughTheRealGateway(t *testing.T) {
	key := fmt.Sprintf("psl_cli-%d", time.Now().UnixNano())
	cfg := fmt.Sprintf("cache: {backend: redis, redis: {url: %q, read_timeout: 3s, write_timeout: 3s}, operation_timeout: 5s}\n"+
		"auth:\n  enabled: true\n  keys:\n    - {name: cli, sha256: %s}\njobs: {workers: 2}\n", testenv.StartRedis(t).URL(), hashKey(key))
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": writeJobsConfig(t, cfg), "APERTIUM_URL": testenv.ApertiumURL(t)})
	in, out := frenchFolder(t, threeArticles), t.TempDir()

	first := startTranslate(t, gw.url, key, "--out", out, in)
	if code := first.wait(t); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, first.stderr)
	}
	if got := first.stdout.String(); got != "3 translated, 0 failed, 0 skipped\n" {
		t.Errorf("stdout = %q, want \"3 translated, 0 failed, 0 skipped\"", got)
	}
	for name, want := range map[string]string{"sommet.en.md": "Vladivostok", "soudan.en.md": "Sudan", "brexit.en.md": "Theresa May"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := string(b)
		if !strings.Contains(text, want) || !strings.Contains(text, "\n## Summary\n") {
			t.Errorf("%s lacks %q or its summary:\n%s", name, want, text)
		}
		if strings.Contains(text, "Le sommet inédit") || strings.Contains(text, "Les manifestants") || strings.Contains(text, "Les députés") {
			t.Errorf("%s still holds the French:\n%s", name, text)
		}
	}

	again := startTranslate(t, gw.url, key, "--out", out, in)
	if code := again.wait(t); code != 0 || again.stdout.String() != "0 translated, 0 failed, 3 skipped\n" {
		t.Errorf("second run: exit %d, stdout %q; want 0 and \"0 translated, 0 failed, 3 skipped\"", code, again.stdout)
	}
}
