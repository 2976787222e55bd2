package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"passerelle/internal/testenv"
)

// The peer the miss path is compared with: the Portkey AI gateway, a
// Node.js proxy in front of the same stand-in.
const portkeyPackage = "@portkey-ai/gateway@1.15.2"

// portkeyDir is where the package is installed, outside the repository and
// kept between runs: $XDG_CACHE_HOME (or ~/.cache)/passerelle-bench/portkey-1.15.2.
func portkeyDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "passerelle-bench", "portkey-1.15.2"), nil
}

// startPortkey installs the package with npm when it is not there yet, runs
// it with node on a free loopback port and returns its base URL. The error
// says why the peer cannot run (no node, no npm, no registry), which the
// table reports as a skipped row.
func startPortkey(ctx context.Context, dir, runDir string) (*proc, string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "", fmt.Errorf("node is not on PATH")
	}
	server := filepath.Join(dir, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js")
	if _, err := os.Stat(server); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			return nil, "", fmt.Errorf("npm is not on PATH")
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, "", err
		}
		fmt.Fprintf(os.Stderr, "bench: installing %s into %s\n", portkeyPackage, dir)
		ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ictx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", portkeyPackage)
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("npm install %s failed: %v: %s", portkeyPackage, err, lastLine(string(out)))
		}
	}
	port, err := testenv.LoopbackPort()
	if err != nil {
		return nil, "", err
	}
	p, err := startProc(node, filepath.Join(runDir, "portkey.log"), os.Environ(), dir,
		server, "--port="+strconv.Itoa(port), "--headless")
	if err != nil {
		return nil, "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := p.waitHTTP(url+"/", 30*time.Second); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, url, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
