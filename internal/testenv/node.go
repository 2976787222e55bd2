package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ClientsEnv names the folder of the JavaScript clients the end-to-end
// tests run (scripts/clients.sh installs them and prints it).
const ClientsEnv = "PASSERELLE_TEST_CLIENTS"

// NodeClients returns the folder holding the installed JavaScript clients:
// the one named by PASSERELLE_TEST_CLIENTS, else dir (the tests' own copy,
// relative to the test's package) when `npm ci` was run in it. Without
// node or the packages the test is Unavailable.
func NodeClients(t TB, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		Unavailable(t, "node is not on PATH (Debian: apt-get install nodejs npm, or run `make test`)")
	}
	if env := os.Getenv(ClientsEnv); env != "" {
		dir = env
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		Unavailable(t, "the JavaScript clients are not installed in %s: run scripts/clients.sh (or `make test`)", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return abs
}

// RunNode runs a script of the clients' folder with node, its environment
// extended by env, and returns what it printed on stdout. A failure, or no
// end within the timeout, fails the test with what it printed on stderr.
func RunNode(t TB, clients, script string, timeout time.Duration, env ...string) string {
	t.Helper()
	out, err := Node(clients, script, timeout, env...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

// Node is RunNode for a caller that checks the error itself: a script
// expected to fail.
func Node(clients, script string, timeout time.Duration, env ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = clients
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("node %s: %v\nstdout:\n%s\nstderr:\n%s", script, err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}
