package handlers

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"passerelle/gateway"
	"passerelle/jobs"
	"passerelle/providers"
)

// The event stream of a job longer than the server's write timeout goes on
// to its end, with heartbeats while nothing happens, headers that keep a
// buffering proxy from holding it back, and an id on every entry.
func TestJobEventsOutliveTheWriteTimeout(t *testing.T) {
	svc := markService(t, func(o *gateway.Options) {
		o.Translators = map[string]providers.Translator{"mark": markTranslator{delay: 300 * time.Millisecond}}
	})
	engine := jobs.NewMemory(jobs.Options{Workers: 1, Poll: 10 * time.Millisecond})
	opts := Options{Jobs: engine, jobHeartbeat: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	engine.Start(JobWork(svc, opts))
	defer engine.Stop(t.Context())
	srv := httptest.NewUnstartedServer(New(svc, opts))
	srv.Config.WriteTimeout = 400 * time.Millisecond
	srv.Start()
	defer srv.Close()

	body := `{"task": "translate", "articles": [{"text": "Un."}, {"text": "Deux."}, {"text": "Trois."}, {"text": "Quatre."}]}`
	resp, err := http.Post(srv.URL+"/v1/jobs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&j)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") != "/v1/jobs/"+j.ID {
		t.Fatalf("POST: %d %v", resp.StatusCode, resp.Header)
	}

	start := time.Now()
	resp, err = http.Get(srv.URL + "/v1/jobs/" + j.ID + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Accel-Buffering") != "no" || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("headers: %v", resp.Header)
	}
	var heartbeats, articles int
	var events []string
	var lastID string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ": heartbeat"):
			heartbeats++
		case strings.HasPrefix(line, "event: "):
			events = append(events, strings.TrimPrefix(line, "event: "))
			if line == "event: article" {
				articles++
			}
		case strings.HasPrefix(line, "id: "):
			lastID = strings.TrimPrefix(line, "id: ")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("the stream broke after %s: %v", time.Since(start), err)
	}
	if len(events) == 0 || events[len(events)-1] != "end" || articles != 4 {
		t.Fatalf("events %v after %s: the stream did not reach its end", events, time.Since(start))
	}
	if time.Since(start) < srv.Config.WriteTimeout {
		t.Fatalf("the job took %s, under the write timeout: the test proves nothing", time.Since(start))
	}
	if heartbeats == 0 {
		t.Fatal("no heartbeat while the articles took 300ms each")
	}
	if lastID == "" {
		t.Fatal("entries without id")
	}
}
