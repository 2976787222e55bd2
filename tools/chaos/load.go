package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// kind is why the load generator sent a request.
type kind string

const (
	kindNew    kind = "new"     // an article never sent: a miss
	kindRepeat kind = "repeat"  // an article already answered: a hit
	kindEdit   kind = "edit"    // an answered article with its last paragraph replaced: partial
	kindBurst  kind = "burst"   // one of many identical requests sent at once to both replicas
	kindBadKey kind = "bad-key" // a wrong API key: 401 expected
)

// result is what one request of the load got.
type result struct {
	phase      string
	kind       kind
	endpoint   string
	id         string // X-Request-Id, as the gateways log it
	replica    int    // where it was sent first
	rerouted   bool   // sent to the other replica after the first failed to answer
	closed     bool   // the first replica closed or reset the connection without a byte of answer
	dropped    bool   // ... after it had handled the request (its log has the id): an answer lost
	served     int    // replica that answered, after a reroute
	status     int    // 0: no HTTP answer
	err        string
	xcache     string
	provider   string // provider.translation of the reply
	wrong      bool   // 200 with another article's text, or unreadable
	start, end time.Time
}

// loadConfig bounds the load.
type loadConfig struct {
	workers    int
	rate       int           // requests per second across workers, at most
	burstEvery time.Duration // how often a burst of identical requests goes out
	burstSize  int
	seed       uint64
}

// loader sends the run's requests to the replicas, as a client behind a
// load balancer would: a connection refused goes to the other replica.
type loader struct {
	cfg      loadConfig
	replicas []string
	key      string
	client   *http.Client
	phase    func() string

	number atomic.Int64 // the next unused number for the phrases
	reqID  atomic.Int64 // the last request id

	mu       sync.Mutex
	answered []*article // articles answered correctly, for repeats and edits
	results  []result
}

func newLoader(cfg loadConfig, replicas []string, key string, phase func() string) *loader {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = cfg.workers + cfg.burstSize
	l := &loader{cfg: cfg, replicas: replicas, key: key, phase: phase,
		client: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
	l.number.Store(1000)
	return l
}

func (l *loader) next() int { return int(l.number.Add(1)) }

// run sends requests until ctx is done and returns once every request in
// flight has its answer.
func (l *loader) run(ctx context.Context) {
	tokens := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second / time.Duration(l.cfg.rate))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				close(tokens)
				return
			case <-t.C:
				select {
				case tokens <- struct{}{}:
				default: // every worker busy: the tick is dropped, the load stays bounded
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range l.cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(l.cfg.seed, uint64(w)))
			for range tokens {
				l.one(rng)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(l.cfg.seed, 1<<32))
		t := time.NewTicker(l.cfg.burstEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				l.burst(rng)
			}
		}
	}()
	wg.Wait()
}

// one sends one request of the mix: 45% new articles, 40% repeats, 15% edits.
func (l *loader) one(rng *rand.Rand) {
	k, a := kindNew, (*article)(nil)
	switch r := rng.Float64(); {
	case r < 0.45:
	case r < 0.85:
		if a = l.pickAnswered(rng); a != nil {
			k = kindRepeat
		}
	default:
		if old := l.pickAnswered(rng); old != nil {
			k, a = kindEdit, old.edited(rng.IntN, l.next)
		}
	}
	if a == nil {
		a = newArticle(rng.IntN, l.next, 1+rng.IntN(2))
	}
	endpoint := "/v1/articles"
	if rng.IntN(10) < 3 {
		endpoint = "/v1/translate"
	}
	res := l.send(a, k, endpoint, rng.IntN(len(l.replicas)), l.key)
	if res.status == http.StatusOK && !res.wrong && k != kindRepeat {
		l.mu.Lock()
		l.answered = append(l.answered, a)
		l.mu.Unlock()
	}
}

func (l *loader) pickAnswered(rng *rand.Rand) *article {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.answered) == 0 {
		return nil
	}
	return l.answered[rng.IntN(len(l.answered))]
}

// burst sends one new article burstSize times at once, alternately to each
// replica, and one request with a wrong key.
func (l *loader) burst(rng *rand.Rand) {
	a := newArticle(rng.IntN, l.next, 2)
	var wg sync.WaitGroup
	for i := range l.cfg.burstSize {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.send(a, kindBurst, "/v1/translate", i%len(l.replicas), l.key)
		}()
	}
	wg.Wait()
	l.mu.Lock()
	l.answered = append(l.answered, a)
	l.mu.Unlock()
	l.send(a, kindBadKey, "/v1/translate", rng.IntN(len(l.replicas)), "psl_not-a-key-of-this-gateway")
}

// send posts the article and records what came back. A request the replica
// did not answer because it refused the connection (it is down or
// restarting), or closed or reset the connection before a byte of answer (it
// is shutting down: an idle kept-alive connection is closed, and connections
// still in the kernel's accept queue when the listener closes are reset), is
// sent once to the other replica, as a load balancer would. Whether the
// replica had handled it after all is read in its log afterwards.
func (l *loader) send(a *article, k kind, endpoint string, replica int, key string) result {
	body, _ := json.Marshal(a.body())
	res := result{phase: l.phase(), kind: k, endpoint: endpoint, replica: replica, served: replica, start: time.Now()}
	res.id = "chaos-" + strconv.FormatInt(l.reqID.Add(1), 10)
	resp, conn, err := l.post(l.replicas[replica]+endpoint, body, key, res.id)
	if err != nil {
		refused := errors.Is(err, syscall.ECONNREFUSED)
		res.closed = !refused && !conn.answered.Load() && closedByPeer(err)
		if refused || res.closed {
			res.rerouted = true
			res.served = (replica + 1) % len(l.replicas)
			res.err = "first replica: " + err.Error()
			resp, _, err = l.post(l.replicas[res.served]+endpoint, body, key, res.id)
		}
	}
	if err != nil {
		res.err = strings.TrimPrefix(res.err+"; ", "; ") + err.Error()
	} else {
		res.status = resp.StatusCode
		res.xcache = resp.Header.Get("X-Cache")
		raw, readErr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if res.status == http.StatusOK {
			var reply struct {
				Translation *struct {
					Title      string   `json:"title"`
					Paragraphs []string `json:"paragraphs"`
				} `json:"translation"`
				Provider struct {
					Translation string `json:"translation"`
				} `json:"provider"`
			}
			res.wrong = readErr != nil || json.Unmarshal(raw, &reply) != nil || reply.Translation == nil ||
				!a.matches(reply.Translation.Title, reply.Translation.Paragraphs)
			res.provider = reply.Provider.Translation
			if res.wrong {
				res.err = fmt.Sprintf("200 with an unexpected body: %.300s", raw)
			}
		} else {
			res.err = fmt.Sprintf("%.300s", raw)
		}
	}
	res.end = time.Now()
	l.mu.Lock()
	l.results = append(l.results, res)
	l.mu.Unlock()
	return res
}

// closedByPeer reports whether err says the server closed or reset the
// connection, as opposed to a timeout of the client.
func closedByPeer(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "server closed idle connection")
}

// connInfo is what the transport says of a request's connection. The
// trace's callbacks run on the transport's goroutines.
type connInfo struct {
	answered atomic.Bool // a byte of the answer arrived
}

// post sends one request.
func (l *loader) post(url string, body []byte, key, id string) (*http.Response, *connInfo, error) {
	info := &connInfo{}
	trace := &httptrace.ClientTrace{
		GotFirstResponseByte: func() { info.answered.Store(true) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, info, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("X-Request-Id", id)
	resp, err := l.client.Do(req)
	return resp, info, err
}

// snapshot returns a copy of the results so far.
func (l *loader) snapshot() []result {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]result(nil), l.results...)
}
