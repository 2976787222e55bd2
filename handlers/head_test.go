package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// Every GET route of the document answers HEAD as it answers GET, without
// a body: the job's event stream included, which must not hold the
// connection open.
func TestHeadAnswersEveryGetRoute(t *testing.T) {
	srv := httptest.NewServer(jobsRouter(t, 10))
	defer srv.Close()
	client := &http.Client{Timeout: 5 * time.Second}

	resp, err := client.Post(srv.URL+"/v1/jobs", "application/json", strings.NewReader(`{"task": "translate", "articles": [{"text": "Bonjour."}]}`))
	if err != nil {
		t.Fatal(err)
	}
	job, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := between(string(job), `"id":"`, `"`)
	if resp.StatusCode != http.StatusAccepted || id == "" {
		t.Fatalf("POST /v1/jobs = %d %s", resp.StatusCode, job)
	}

	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, ops := range doc.Paths {
		if _, ok := ops["get"]; !ok {
			continue
		}
		url := srv.URL + strings.ReplaceAll(path, "{id}", id)
		get := send(t, client, http.MethodGet, url)
		head := send(t, client, http.MethodHead, url)
		if head.status != get.status || head.contentType != get.contentType {
			t.Errorf("HEAD %s = %d %q; GET = %d %q", path, head.status, head.contentType, get.status, get.contentType)
		}
		if head.body != "" {
			t.Errorf("HEAD %s has a body: %q", path, head.body)
		}
		checked++
	}
	if checked < 8 {
		t.Errorf("only %d GET routes in the document; the test reads the wrong document", checked)
	}
	// A route without GET still refuses HEAD.
	if r := send(t, client, http.MethodHead, srv.URL+"/v1/articles"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("HEAD /v1/articles = %d, want 405", r.status)
	}
}

type sent struct {
	status      int
	contentType string
	body        string
}

func send(t *testing.T, client *http.Client, method, url string) sent {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return sent{resp.StatusCode, resp.Header.Get("Content-Type"), string(body)}
}

// between returns what s holds between the first from and the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
