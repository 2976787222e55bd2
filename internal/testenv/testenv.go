// Package testenv is the one place that starts the real services Passerelle
// is tested against: a Redis server, an Apertium APy server, free loopback
// ports, and an OpenAI-compatible chat completions stand-in for the paid
// vendors. The tests use it, and so do tools/bench and tools/chaos, which
// are programs: the package therefore does not import testing.
//
// Each service has two faces. The plain one starts it and returns it (or its
// URL) with a way to stop it and an error: RunRedis, RunApertium,
// LoopbackPort, and the wire format of the OpenAI stand-ins (ReadChat,
// WriteCompletion, WriteOpenAIError…). The test one is a thin wrapper that
// takes a TB (which *testing.T and *testing.B satisfy), stops the service
// with the test and turns an error into the test's failure: StartRedis,
// RedisURL, ApertiumURL, FreePort.
//
// A service named by an environment variable (set by `make test`, which
// starts one Redis and one Apertium for every package) is used as is;
// otherwise the wrapper starts its own from the binary on PATH. When neither
// is possible the test is skipped with a message saying what to install,
// except under CI=true, where a missing service fails the test: CI must
// never pass by skipping what it was meant to check.
package testenv

import (
	"fmt"
	"os"
)

// Environment variables that point tests at services started elsewhere.
const (
	RedisURLEnv    = "PASSERELLE_TEST_REDIS_URL"
	ApertiumURLEnv = "PASSERELLE_TEST_APERTIUM_URL"
)

// TB is the part of testing.TB the test wrappers use.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Unavailable stops the test because a service it needs is absent: a skip on a
// developer's machine, a failure under CI=true.
func Unavailable(t TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("required service unavailable under CI: %s", msg)
	}
	t.Skipf("skipped: %s", msg)
}
