package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadJobs(t *testing.T, yaml string) (Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PASSERELLE_CONFIG": path}
	return Load(func(k string) string { return env[k] })
}

func TestJobsDefaultsAndValidation(t *testing.T) {
	cfg, err := loadJobs(t, "log: {level: info}\n")
	if err != nil {
		t.Fatal(err)
	}
	j := cfg.Jobs
	if j.WorkerCount() != 4 || j.MaxArticles != 10000 || j.TTL != 7*24*time.Hour || j.VisibilityTimeout != time.Minute || j.MaxDeliveries != 5 {
		t.Fatalf("defaults: %+v (workers %d)", j, j.WorkerCount())
	}
	cfg, err = loadJobs(t, "jobs: {workers: 0, max_articles: 50}\n")
	if err != nil || cfg.Jobs.WorkerCount() != 0 || cfg.Jobs.MaxArticles != 50 {
		t.Fatalf("workers 0 (an API-only replica): %+v %v", cfg.Jobs, err)
	}
	_, err = loadJobs(t, "jobs: {workers: -1, max_articles: 0, ttl: 1s, visibility_timeout: 10ms, max_deliveries: 0}\n")
	for _, want := range []string{"jobs.workers", "jobs.max_articles", "jobs.ttl", "jobs.visibility_timeout", "jobs.max_deliveries"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("invalid %s not refused: %v", want, err)
		}
	}
}
