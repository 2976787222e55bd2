package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

// commandLog is a go-redis hook that records the commands a client sends,
// so that a test sharing a Redis server counts its own only.
type commandLog struct {
	mu   sync.Mutex
	cmds [][]string
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := make([]string, len(cmd.Args()))
		for i, a := range cmd.Args() {
			args[i] = fmt.Sprint(a)
		}
		l.mu.Lock()
		l.cmds = append(l.cmds, args)
		l.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (l *commandLog) take() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.cmds
	l.cmds = nil
	return out
}

// TestProxyMakesOneLookupAndOneUpstreamCall: for each article the proxy
// sends one Redis GET of the body's hash and the fixed chat completion to
// the stand-in, over one kept-alive connection, and returns the stand-in's
// reply as it came.
func TestProxyMakesOneLookupAndOneUpstreamCall(t *testing.T) {
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	cmds := &commandLog{}
	rdb.AddHook(cmds)

	s := &standIn{}
	var auth atomic.Value
	upstream := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		s.ServeHTTP(w, r)
	}))
	var conns atomic.Int64
	upstream.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	upstream.Start()
	defer upstream.Close()

	segments := []string{"Le sommet s’est achevé jeudi.", "Aucun accord n’est prévu."}
	chat := chatBody(t, segments)
	px := httptest.NewServer(proxyHandler(rdb, newClient(4), upstream.URL+"/v1/chat/completions", "Bearer sk-test", chat))
	defer px.Close()

	c := newClient(1)
	const n = 3
	for i := range n {
		body := articleBody(fmt.Sprintf("Titre %d\n\nUn paragraphe.", i))
		s.startCapture()
		reply, hdr, err := post(context.Background(), c, px.URL+"/v1/translate", body, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got := s.capturedBody(); !bytes.Equal(got, chat) {
			t.Errorf("request %d: the stand-in got %q, want the fixed chat completion", i, got)
		}
		if got := auth.Load(); got != "Bearer sk-test" {
			t.Errorf("request %d: Authorization upstream %q", i, got)
		}
		if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("request %d: Content-Type %q", i, ct)
		}
		var completion struct {
			Choices []struct {
				Message struct{ Content string } `json:"message"`
			} `json:"choices"`
		}
		if err := json.Unmarshal(reply, &completion); err != nil || len(completion.Choices) != 1 {
			t.Fatalf("request %d: not a chat completion (%v): %s", i, err, reply)
		}
		var out struct{ Translations []string }
		if err := json.Unmarshal([]byte(completion.Choices[0].Message.Content), &out); err != nil || len(out.Translations) != len(segments) {
			t.Fatalf("request %d: content %q (%v)", i, completion.Choices[0].Message.Content, err)
		}
		for j, got := range out.Translations {
			if want := pseudoTranslate(segments[j]); got != want {
				t.Errorf("request %d: translation %d = %q, want %q", i, j, got, want)
			}
		}
		sum := sha256.Sum256(body)
		want := []string{"get", proxyKeyPrefix + hex.EncodeToString(sum[:])}
		var gets [][]string
		for _, cmd := range cmds.take() {
			if strings.EqualFold(cmd[0], "hello") || strings.EqualFold(cmd[0], "client") {
				continue // connection set-up, once per pooled connection
			}
			gets = append(gets, cmd)
		}
		if len(gets) != 1 || len(gets[0]) != 2 || !strings.EqualFold(gets[0][0], want[0]) || gets[0][1] != want[1] {
			t.Errorf("request %d: Redis commands %q, want one %q", i, gets, want)
		}
	}
	if u := s.usage(); u.calls != n {
		t.Errorf("the stand-in got %d calls, want %d", u.calls, n)
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("the proxy opened %d connections to the stand-in for %d sequential requests, want 1 kept alive", got, n)
	}
}

// TestProxyPassesFailuresOn: the stand-in's refusal comes back with its
// status, and a Redis that does not answer is a 502 with no upstream call.
func TestProxyPassesFailuresOn(t *testing.T) {
	s := &standIn{}
	upstream := httptest.NewServer(s)
	defer upstream.Close()
	ctx := context.Background()

	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	px := httptest.NewServer(proxyHandler(rdb, newClient(1), upstream.URL+"/v1/chat/completions", "Bearer sk-test", []byte(`{}`)))
	defer px.Close()
	if _, _, err := post(ctx, newClient(1), px.URL, articleBody("Un texte."), nil); err == nil || !strings.Contains(err.Error(), "status 400") {
		t.Errorf("a chat completion the stand-in refuses: %v, want its status 400", err)
	}

	port := testenv.FreePort(t)
	down := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer down.Close()
	px2 := httptest.NewServer(proxyHandler(down, newClient(1), upstream.URL+"/v1/chat/completions", "Bearer sk-test", chatBody(t, []string{"Un."})))
	defer px2.Close()
	before := s.usage()
	if _, _, err := post(ctx, newClient(1), px2.URL, articleBody("Un texte."), nil); err == nil || !strings.Contains(err.Error(), "status 502") {
		t.Errorf("Redis down: %v, want status 502", err)
	}
	if calls := s.usage().since(before).calls; calls != 0 {
		t.Errorf("Redis down: %d calls upstream, want none", calls)
	}
}

// chatBody is a chat completion the stand-in accepts, asking for segments.
func chatBody(t *testing.T, segments []string) []byte {
	t.Helper()
	user, err := json.Marshal(map[string][]string{"segments": segments})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"model": standinModel, "messages": []map[string]string{
		{"role": "system", "content": "Translate from French to English."},
		{"role": "user", "content": string(user)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return body
}
