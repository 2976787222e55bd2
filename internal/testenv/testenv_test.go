package testenv

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"passerelle/internal/testenv/spectest"
)

func TestLoopbackPort(t *testing.T) {
	port, err := LoopbackPort()
	if err != nil {
		t.Fatal(err)
	}
	if port == redisDefaultPort || port <= 0 {
		t.Fatalf("LoopbackPort() = %d", port)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("the port handed out cannot be listened on: %v", err)
	}
	l.Close()
}

// TestRedisComesBackEmpty: a killed Redis started again answers on the
// same port and has lost its data; a paused one does not answer.
func TestRedisComesBackEmpty(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(t, redisMissing)
	}
	r, err := RunRedis(context.Background(), t.TempDir()+"/redis.log")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Kill()
	if out, err := RedisCLI(r.Port, "SET", "k", "v"); err != nil || strings.TrimSpace(out) != "OK" {
		t.Fatalf("SET = %q, %v", out, err)
	}
	r.Pause()
	if err := PingRedis(r.Addr()); err == nil {
		t.Errorf("a paused Redis answered PING")
	}
	r.Resume()
	if err := PingRedis(r.Addr()); err != nil {
		t.Errorf("PING after Resume: %v", err)
	}
	r.Kill()
	if r.Running() || PingRedis(r.Addr()) == nil {
		t.Fatalf("a killed Redis still answers")
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out, err := RedisCLI(r.Port, "EXISTS", "k"); err != nil || strings.TrimSpace(out) != "0" {
		t.Errorf("EXISTS k after a restart = %q, %v; want 0", out, err)
	}
}

// TestStandInSpeaksOpenAI: what the stand-ins write is what OpenAI's
// OpenAPI document describes, so that the gateway's OpenAI client reads
// them as it reads OpenAI.
func TestStandInSpeaksOpenAI(t *testing.T) {
	doc := spectest.MustLoad(t, "../../providers/openai/testdata/openai-openapi.excerpt.json")
	check := func(schema string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.ValidateSchema(schema, b); err != nil {
			t.Errorf("%s: %v\n%s", schema, err, b)
		}
	}
	check("CreateChatCompletionResponse", Completion("chatcmpl-1", "gpt-test", TranslationsContent([]string{"a", "b"}), Usage{10, 5}))
	check("ErrorResponse", OpenAIError("invalid_request_error", "", "bad"))
	check("ErrorResponse", OpenAIError("requests", "rate_limit_exceeded", "slow down"))
	check("ListModelsResponse", Models("gpt-test", "bench"))

	rec := httptest.NewRecorder()
	WriteOpenAIError(rec, 429, "requests", "rate_limit_exceeded", "slow down")
	if rec.Code != 429 || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("WriteOpenAIError wrote %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if err := doc.ValidateSchema("ErrorResponse", rec.Body.Bytes()); err != nil {
		t.Errorf("WriteOpenAIError: %v", err)
	}
	rec = httptest.NewRecorder()
	if err := WriteCompletion(rec, "c", "m", "hello", Usage{}); err != nil {
		t.Fatal(err)
	}
	if err := doc.ValidateSchema("CreateChatCompletionResponse", rec.Body.Bytes()); err != nil {
		t.Errorf("WriteCompletion: %v", err)
	}
}

func TestDecodeChat(t *testing.T) {
	req, err := DecodeChat([]byte(`{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":"{\"segments\":[\"a\",\"b\"]}"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	segs, err := req.Segments()
	if err != nil || strings.Join(segs, "|") != "a|b" || req.Model != "m" {
		t.Errorf("DecodeChat = %+v, segments %q, %v", req, segs, err)
	}
	for _, bad := range []string{`{"model":"m","messages":[]}`, `not json`} {
		if _, err := DecodeChat([]byte(bad)); err == nil {
			t.Errorf("DecodeChat(%s) succeeded", bad)
		}
	}
	req, _ = DecodeChat([]byte(`{"model":"m","messages":[{"role":"user","content":"plain words"}]}`))
	if _, err := req.Segments(); err == nil {
		t.Errorf("Segments of a message without segments succeeded")
	}
}
