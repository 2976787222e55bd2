package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a server process the harness started and must stop.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string // where its output goes
	done chan struct{}
}

// startProc starts name with args, its output in logPath, and makes it die
// with the harness (Pdeathsig) should the harness be killed.
func startProc(name, logPath string, env []string, dir string, args ...string) (*proc, error) {
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = env
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: filepath.Base(name), cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process to end (SIGTERM), and kills it after 5 s.
func (p *proc) stop() {
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail returns the last lines of the process's output, to explain a failure.
func (p *proc) tail() string {
	raw, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}

// waitHTTP waits until GET url answers 200, the process dies or within passes.
func (p *proc) waitHTTP(url string, within time.Duration) error {
	c := newClient(1)
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%s exited:\n%s", p.name, p.tail())
		}
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 on %s within %s:\n%s", p.name, url, within, p.tail())
}

// startBaseline runs this very binary as `bench baseline` and returns its
// base URL, read from the "listening ADDR" line it prints.
func startBaseline(dir, redisURL, key string) (*proc, string, error) {
	return startSubcommand(dir, "baseline", "-redis", redisURL, "-key", key)
}

// startProxy runs this very binary as `bench proxy`, forwarding the chat
// completion in the file chatPath to upstream, and returns its base URL.
func startProxy(dir, redisURL, upstream, chatPath string) (*proc, string, error) {
	return startSubcommand(dir, "proxy", "-redis", redisURL, "-upstream", upstream, "-chat", chatPath)
}

// startSubcommand runs this very binary as `bench NAME ARGS`, logging to
// NAME.log, and returns its base URL, read from the "listening ADDR" line
// it prints.
func startSubcommand(dir, name string, args ...string) (*proc, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	logPath := filepath.Join(dir, name+".log")
	p, err := startProc(self, logPath, os.Environ(), dir, append([]string{name}, args...)...)
	if err != nil {
		return nil, "", err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !p.exited() {
		if f, err := os.Open(logPath); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if addr, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
					f.Close()
					return p, "http://" + addr, nil
				}
			}
			f.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	return nil, "", fmt.Errorf("the %s did not start:\n%s", name, p.tail())
}

// gatewayEnv is the environment of the gateway process: only what it needs,
// so that an API key or a Redis URL exported in the shell cannot override the
// configuration file.
func gatewayEnv(configPath string) []string {
	env := []string{"PASSERELLE_CONFIG=" + configPath}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// startGateway runs the gateway binary with the configuration at
// configPath, logging to gateway-NAME.log, and waits until /readyz is 200.
func startGateway(ctx context.Context, bin, dir, name, configPath, baseURL string) (*proc, error) {
	p, err := startProc(bin, filepath.Join(dir, "gateway-"+name+".log"), gatewayEnv(configPath), dir)
	if err != nil {
		return nil, err
	}
	if err := p.waitHTTP(baseURL+"/readyz", 20*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return p, ctx.Err()
}

// rss returns the resident set size of process pid in bytes, from
// /proc/PID/status (VmRSS).
func rss(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(v)
			if len(fields) == 2 && fields[1] == "kB" {
				kb, err := strconv.ParseInt(fields[0], 10, 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// clockTicks is the unit of the CPU times in /proc/PID/stat (USER_HZ),
// 100 on every Linux port.
const clockTicks = 100

// cpuTime returns the CPU time (user and system) process pid has used.
func cpuTime(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no process")
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis, utime and stime being the
	// 14th and 15th of the whole line.
	end := bytes.LastIndexByte(raw, ')')
	if end < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(raw[end+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// rssSampler records the highest RSS of a process while it runs.
type rssSampler struct {
	peak int64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if v, err := rss(pid); err == nil && v > s.peak {
				s.peak = v
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// end stops sampling and returns the peak.
func (s *rssSampler) end() int64 {
	close(s.stop)
	<-s.done
	return s.peak
}
