package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// holdUpload opens a connection that sends a request's headers, declaring a
// body of length bytes, and one byte of it: the gateway reserves the body's
// room and waits for the rest.
func holdUpload(t *testing.T, addr, path string, length int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", path, length)
	return c
}

// rawReply sends only the headers of a request declaring a body of length
// bytes, and reads the reply: a gateway that refuses at the door answers
// without the body.
func rawReply(t *testing.T, addr, path string, length int) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, length)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no reply before the body was sent: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// postJSON posts body on a connection of its own and returns the status
// and the error code of the reply, if any.
func postJSON(t *testing.T, url, body string) (int, string, http.Header) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	var reply struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &reply)
	return resp.StatusCode, reply.Error.Code, resp.Header
}

// TestBudgetRefusesAtTheDoorAndReleases fills the budget of work in flight
// with uploads that never end, and checks that the next request is refused
// with 503 overloaded and Retry-After before its body is sent, that a URL is
// refused before its page is fetched when the largest page would not fit,
// that health is never refused, and that every reservation comes back when
// its request ends, by an error or by the client leaving.
func TestBudgetRefusesAtTheDoorAndReleases(t *testing.T) {
	var fetched atomic.Int64
	page, err := os.ReadFile("../../article/extract/testdata/synthetic.html")
	if err != nil {
		t.Fatal(err)
	}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	defer site.Close()

	// A batch upload reserves 4 x 512 KiB = 2 MiB: 12 fill 24 MiB. An
	// article upload reserves 4 x 64 KiB = 256 KiB. A URL reserves
	// fetch.max_bytes, 512 KiB, and its body.
	const batchBytes, bodyBytes, budget = 512 << 10, 64 << 10, 24 << 20
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	cfg := fmt.Sprintf("server: {max_body_bytes: %d, max_batch_bytes: %d, max_inflight_bytes: %d}\n"+
		"fetch: {max_bytes: 524288, allow_hosts: [%q]}\n", bodyBytes, batchBytes, budget, strings.TrimPrefix(site.URL, "http://"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath, "APERTIUM_URL": testenv.ApertiumURL(t)})
	addr := strings.TrimPrefix(gw.url, "http://")
	small := `{"text": "Le président est arrivé à Vladivostok."}`
	urlBody := fmt.Sprintf(`{"url": %q}`, site.URL+"/article")

	// fill opens uploads to path one at a time until one is refused, and
	// returns those admitted. Each declares more than the 256 KiB Go's
	// server would read of a refused request: the refusal comes at once,
	// and silence means admitted.
	fill := func(path string, limit int) []net.Conn {
		var conns []net.Conn
		for range 64 {
			c := holdUpload(t, addr, path, 300<<10+limit)
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			reply, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err == nil {
				c.Close()
				if reply.StatusCode != http.StatusServiceUnavailable || reply.Header.Get("Retry-After") == "" {
					t.Fatalf("an upload to %s got %d, want no reply or 503 with Retry-After", path, reply.StatusCode)
				}
				return conns
			}
			_ = c.SetReadDeadline(time.Time{})
			conns = append(conns, c)
		}
		t.Fatalf("64 uploads to %s were all admitted into a budget of %d bytes\n%s", path, budget, gw.logs)
		return nil
	}
	batches := fill("/v1/batch", batchBytes)
	if len(batches) != budget/(4*batchBytes) {
		t.Fatalf("%d batch uploads admitted, want %d", len(batches), budget/(4*batchBytes))
	}

	start := time.Now()
	resp, body := rawReply(t, addr, "/v1/translate", 300<<10)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"overloaded"`) || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("with the budget full: %d %s, want 503 overloaded with Retry-After", resp.StatusCode, body)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refusal took %s", d)
	}
	if status, code, _ := postJSON(t, gw.url+"/v1/extract", small); status != http.StatusServiceUnavailable || code != "overloaded" {
		t.Errorf("a tiny request with the budget full: %d %q, want 503 overloaded", status, code)
	}
	if got := get(t, gw.url+"/healthz"); !strings.Contains(got, "ok") {
		t.Errorf("/healthz with the budget full: %s", got)
	}
	metrics := get(t, gw.url+"/metrics")
	if refused := metricValue(metrics, "passerelle_inflight_refused_total"); refused < 3 {
		t.Errorf("passerelle_inflight_refused_total = %v, want the 3 refusals so far at least", refused)
	}
	if held := metricValue(metrics, "passerelle_inflight_bytes"); held < float64(budget-4*batchBytes) || held > budget {
		t.Errorf("passerelle_inflight_bytes = %v with the budget of %d full", held, budget)
	}
	if limit := metricValue(metrics, "passerelle_inflight_limit_bytes"); limit != budget {
		t.Errorf("passerelle_inflight_limit_bytes = %v, want %d", limit, budget)
	}

	// One client leaves; another's batch turns out over max_batch_bytes: 4 MiB
	// come back, which article uploads fill again.
	batches[0].Close()
	fmt.Fprintf(batches[1], "%s", strings.Repeat("x", 300<<10+batchBytes-1))
	if reply, err := http.ReadResponse(bufio.NewReader(batches[1]), nil); err != nil || reply.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a batch over max_batch_bytes: %v %v, want 413", reply, err)
	}
	batches[1].Close()
	batches = batches[2:]
	waitStatus(t, gw.url+"/v1/extract", small, http.StatusOK)
	articles := fill("/v1/extract", bodyBytes)
	if len(articles) != 4*batchBytes*2/(4*bodyBytes) {
		t.Errorf("%d article uploads admitted in the 4 MiB given back, want %d", len(articles), 4*batchBytes*2/(4*bodyBytes))
	}

	// Two article uploads leave: 512 KiB, less than a URL needs.
	articles[0].Close()
	articles[1].Close()
	waitStatus(t, gw.url+"/v1/extract", small, http.StatusOK)
	status, code, header := postJSON(t, gw.url+"/v1/extract", urlBody)
	if status != http.StatusServiceUnavailable || code != "overloaded" || header.Get("Retry-After") == "" {
		t.Errorf("a URL with less room than fetch.max_bytes: %d %q, want 503 overloaded with Retry-After", status, code)
	}
	if n := fetched.Load(); n != 0 {
		t.Errorf("the page was fetched %d times for a refused request", n)
	}
	articles[2].Close()
	waitStatus(t, gw.url+"/v1/extract", urlBody, http.StatusOK)
	if n := fetched.Load(); n != 1 {
		t.Errorf("the page was fetched %d times, want 1", n)
	}

	// Every client leaves: the whole budget is there again.
	for _, c := range append(batches, articles[3:]...) {
		c.Close()
	}
	// A leak would leave fewer; a release not yet seen, fewer for a moment.
	waitFor(t, func() bool {
		conns := fill("/v1/batch", batchBytes)
		for _, c := range conns {
			c.Close()
		}
		time.Sleep(100 * time.Millisecond)
		return len(conns) == budget/(4*batchBytes)
	}, "room for every batch after every client left (a reservation leaked)")
}

func waitStatus(t *testing.T, url, body string, want int) {
	t.Helper()
	waitFor(t, func() bool { status, _, _ := postJSON(t, url, body); return status == want }, fmt.Sprintf("%d from %s", want, url))
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// slowReader hands out its bytes a piece at a time, pausing before each.
type slowReader struct {
	data   []byte
	pieces int
	pause  time.Duration
	sent   int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := min(len(p), max(1, len(r.data)/(r.pieces-r.sent)))
	if r.sent == r.pieces-1 {
		n = min(len(p), len(r.data))
	}
	n = copy(p, r.data[:n])
	r.data = r.data[n:]
	r.sent++
	return n, nil
}

// TestSlowUploadAndSlowProviderGetTheReply sends a body over 3 s to a
// gateway whose provider takes 2.5 s, with write_timeout 4 s: the reply is
// ready 5.5 s after the headers, within 4 s of the body's end. The write
// deadline counts from the end of the body, so the client gets the reply.
func TestSlowUploadAndSlowProviderGetTheReply(t *testing.T) {
	upstream := newSlowUpstream(t, 2500*time.Millisecond)
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	cfg := fmt.Sprintf("server: {request_timeout: 3s, write_timeout: 4s}\n"+
		"translation: {provider: gpt}\nsummarization: {provider: extractive}\n"+
		"providers:\n  gpt: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 10s, retry: {max_attempts: 1}}\n"+
		"  extractive: {type: extractive}\n", upstream.url())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath})

	body := []byte(`{"text": "Le président est arrivé à Vladivostok mardi matin."}`)
	req, err := http.NewRequest(http.MethodPost, gw.url+"/v1/translate", &slowReader{data: body, pieces: 6, pause: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("after %s: %v\n%s", time.Since(start).Round(time.Millisecond), err, gw.logs)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the reply was cut after %s: %v", time.Since(start).Round(time.Millisecond), err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte("gpt: Le président")) {
		t.Fatalf("%d %s, want 200 with the translation", resp.StatusCode, raw)
	}
	if d := time.Since(start); d < 5*time.Second {
		t.Errorf("the request took %s: the upload or the provider was not slow, and the test proves nothing", d)
	}
}

// TestHealthAnswersWhileConnectionsAreSaturated fills the public listener
// with slow connections that never finish their request line: health and
// readiness still answer within a second, an API request gets 503
// overloaded at once rather than waiting, and the slow connections are
// closed after read_header_timeout. (Connections that send nothing at all
// give way to newcomers: internal/admission's listener tests.)
func TestHealthAnswersWhileConnectionsAreSaturated(t *testing.T) {
	check := func(t *testing.T, url string) {
		t.Helper()
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		for _, path := range []string{"/healthz", "/readyz"} {
			start := time.Now()
			resp, err := client.Get(url + path)
			if err != nil {
				t.Fatalf("GET %s while saturated: %v", path, err)
			}
			resp.Body.Close()
			if d := time.Since(start); resp.StatusCode != http.StatusOK || d > time.Second {
				t.Errorf("GET %s while saturated: %d in %s, want 200 within 1s", path, resp.StatusCode, d)
			}
		}
		start := time.Now()
		status, code, header := postJSON(t, url+"/v1/translate", `{"text": "Bonjour."}`)
		if status != http.StatusServiceUnavailable || code != "overloaded" || header.Get("Retry-After") == "" {
			t.Errorf("an API request while saturated: %d %q, want 503 overloaded with Retry-After", status, code)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the refusal took %s", d)
		}
	}
	// Each connection starts a request line and stops there, as a slow
	// client does: one that sent nothing would give its slot to a newcomer
	// after admission.Quiet, and whether the check below came before or
	// after that would depend on how loaded the machine is.
	trickling := func(t *testing.T, addr string, n int) []net.Conn {
		conns := make([]net.Conn, n)
		for i := range conns {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			if _, err := c.Write([]byte("POST /v1/translate HTTP/1.1\r\n")); err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			conns[i] = c
		}
		t.Cleanup(func() {
			for _, c := range conns {
				c.Close()
			}
		})
		time.Sleep(200 * time.Millisecond) // accepted, each on its path
		return conns
	}

	t.Run("small limit", func(t *testing.T) {
		cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
		if err := os.WriteFile(cfgPath, []byte("server: {max_connections: 8, read_header_timeout: 2s}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath, "APERTIUM_URL": testenv.ApertiumURL(t)})
		addr := strings.TrimPrefix(gw.url, "http://")
		opened := time.Now()
		conns := trickling(t, addr, 8)
		check(t, gw.url)
		for i, c := range conns {
			_ = c.SetReadDeadline(opened.Add(4 * time.Second))
			_, err := c.Read(make([]byte, 1))
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("slow connection %d still open 4s after it was opened (read_header_timeout 2s)", i)
			}
		}
		if d := time.Since(opened); d < 1500*time.Millisecond {
			t.Errorf("the slow connections were closed after %s, before read_header_timeout", d)
		}
		waitStatus(t, gw.url+"/v1/extract", `{"text": "Le président est arrivé."}`, http.StatusOK)
	})

	t.Run("default configuration", func(t *testing.T) {
		gw := startGateway(t, map[string]string{"APERTIUM_URL": testenv.ApertiumURL(t)})
		// Every connection the default serves, and more than the overflow
		// holds.
		trickling(t, strings.TrimPrefix(gw.url, "http://"), 2048+100)
		check(t, gw.url)
	})
}
