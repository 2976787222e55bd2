// Package jobclient is the client side of the gateway's jobs API, behind
// `passerelle translate`: it turns files, folders, URLs and a feed into one
// job, follows it (Server-Sent Events for progress, the NDJSON results paged
// with ?after=N), writes each result as it arrives, and resumes the job it
// started when run again, so that a folder of two thousand articles left to
// translate overnight survives a closed laptop.
package jobclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrNoJob: the gateway does not know the job (expired, or made by another
// key or on another gateway).
var ErrNoJob = errors.New("the gateway does not know this job")

// Client speaks the jobs API of one gateway.
type Client struct {
	// Server is the gateway's base URL, http://127.0.0.1:8080 say.
	Server string
	// Key is the API key, sent as a bearer token when not empty.
	Key string
	// HTTP sends the requests; nil is a client without a timeout (the
	// event stream is long-lived).
	HTTP *http.Client
}

// Source is one article of a job: its text, its page or its address.
type Source struct {
	Text string `json:"text,omitempty"`
	HTML string `json:"html,omitempty"`
	URL  string `json:"url,omitempty"`
}

// JobRequest is the body of POST /v1/jobs.
type JobRequest struct {
	Task             string            `json:"task"`
	Articles         []Source          `json:"articles,omitempty"`
	Feed             string            `json:"feed,omitempty"`
	SummarySentences int               `json:"summary_sentences,omitempty"`
	Glossary         map[string]string `json:"glossary,omitempty"`
}

// Job is the state of a job, as GET /v1/jobs/{id} answers it.
type Job struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
	// Reason says why a job is paused or failed, when the gateway says.
	Reason string `json:"reason,omitempty"`
}

// Finished reports whether the job will produce no more results.
func (j Job) Finished() bool {
	return j.Status == "done" || j.Status == "failed" || j.Status == "cancelled"
}

// APIError is the gateway's error object.
type APIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Result is one line of GET /v1/jobs/{id}/results.
type Result struct {
	Index  int             `json:"index"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *APIError       `json:"error,omitempty"`
}

// Event is one Server-Sent Event of GET /v1/jobs/{id}/events.
type Event struct {
	ID, Name string
	Data     []byte
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) do(ctx context.Context, method, path string, body any, header http.Header) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Server, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, replyError(resp)
	}
	return resp, nil
}

// ReplyError is a reply of the gateway that is not a success.
type ReplyError struct {
	Method, Path string
	StatusCode   int
	Status       string
	// API is the gateway's error object, when it sent one.
	API *APIError
	// RetryAfter is the wait the gateway asked for, when it asked.
	RetryAfter time.Duration
	text       string
}

func (e *ReplyError) Error() string {
	msg := fmt.Sprintf("%s %s: %s", e.Method, e.Path, e.Status)
	if e.StatusCode == http.StatusUnauthorized {
		msg += " (the API key is read from PASSERELLE_API_KEY)"
	}
	if e.API != nil {
		return msg + ": " + e.API.Error()
	}
	if e.text != "" {
		return msg + ": " + e.text
	}
	return msg
}

// Is makes a 404 match ErrNoJob.
func (e *ReplyError) Is(target error) bool {
	return target == ErrNoJob && e.StatusCode == http.StatusNotFound
}

// replyError turns a reply that is not a success into an error that says
// what the gateway said.
func replyError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &ReplyError{Method: resp.Request.Method, Path: resp.Request.URL.Path, StatusCode: resp.StatusCode, Status: resp.Status,
		text: strings.TrimSpace(string(b))}
	var body struct {
		Error *APIError `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil {
		e.API = body.Error
	}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
		e.RetryAfter = time.Duration(secs) * time.Second
	}
	return e
}

// retryable reports how long to wait before sending a refused request
// again: a gateway that is overloaded, stopping or over the key's rate
// (503, 429) did nothing with it and says when to come back.
func retryable(err error) (time.Duration, bool) {
	var e *ReplyError
	if !errors.As(err, &e) || (e.StatusCode != http.StatusServiceUnavailable && e.StatusCode != http.StatusTooManyRequests) {
		return 0, false
	}
	return min(max(e.RetryAfter, time.Second), time.Minute), true
}

// Submit creates a job. A refusal that asks to come back (503, 429 with
// Retry-After) is sent again, up to 5 times: nothing was done with it.
func (c *Client) Submit(ctx context.Context, req JobRequest) (Job, error) {
	resp, err := c.do(ctx, http.MethodPost, "/v1/jobs", req, nil)
	for try := 1; try < 5; try++ {
		wait, ok := retryable(err)
		if !ok {
			break
		}
		select {
		case <-ctx.Done():
			return Job{}, ctx.Err()
		case <-time.After(wait):
		}
		resp, err = c.do(ctx, http.MethodPost, "/v1/jobs", req, nil)
	}
	if err != nil {
		if errors.Is(err, ErrNoJob) {
			return Job{}, fmt.Errorf("this gateway has no jobs API: %w", err)
		}
		return Job{}, err
	}
	defer resp.Body.Close()
	var j Job
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		return Job{}, fmt.Errorf("the reply to POST /v1/jobs: %w", err)
	}
	if j.ID == "" {
		return Job{}, errors.New("the reply to POST /v1/jobs has no job id")
	}
	return j, nil
}

// Job gets the state of the job id; ErrNoJob when the gateway does not know it.
func (c *Client) Job(ctx context.Context, id string) (Job, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id), nil, nil)
	if err != nil {
		return Job{}, err
	}
	defer resp.Body.Close()
	var j Job
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		return Job{}, fmt.Errorf("the reply to GET /v1/jobs/%s: %w", id, err)
	}
	return j, nil
}

// Results reads the job's results after the first after ones, calling fn for
// each, and returns how many it read.
func (c *Client) Results(ctx context.Context, id string, after int, fn func(Result) error) (int, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id)+"/results?after="+strconv.Itoa(after), nil, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	n := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			return n, fmt.Errorf("result %d of job %s: %w", after+n, id, err)
		}
		n++
		if err := fn(r); err != nil {
			return n, err
		}
	}
	return n, sc.Err()
}

// Events reads the job's event stream from after the event lastID ("" from
// the start), calling fn for each, until the stream ends, ctx is done or fn
// fails.
func (c *Client) Events(ctx context.Context, id, lastID string, fn func(Event) error) error {
	h := http.Header{"Accept": {"text/event-stream"}}
	if lastID != "" {
		h.Set("Last-Event-ID", lastID)
	}
	resp, err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id)+"/events", nil, h)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return readEvents(resp.Body, fn)
}

// readEvents parses a Server-Sent Events stream: fields up to a blank line
// make an event; comments (the heartbeat) are skipped.
func readEvents(r io.Reader, fn func(Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var ev Event
	var data [][]byte
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if ev.Name != "" || data != nil {
				ev.Data = bytes.Join(data, []byte("\n"))
				if ev.Name == "" {
					ev.Name = "message"
				}
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, data = Event{}, nil
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.ID = value
		case "event":
			ev.Name = value
		case "data":
			data = append(data, []byte(value))
		}
	}
	return sc.Err()
}
