package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// shutdownArticles and shutdownAfter shape the shutdown case: a batch that
// takes longer than the default shutdown_grace (80 articles, 4 at a time,
// each a provider call of providerDelay), and SIGTERM once it is under way.
const (
	shutdownArticles = 80
	shutdownAfter    = 2 * time.Second
)

// shutdownResult is what the client of the batch and the process did.
type shutdownResult struct {
	status       int
	finished     int            // articles answered with their translation
	shuttingDown int            // articles answered 503 shutting_down
	other        map[string]int // any other answer for an article
	replyAfter   time.Duration  // from SIGTERM to the whole reply
	exitAfter    time.Duration  // from SIGTERM to the process's exit
	exit         error
	paid         int // provider calls answered for the batch
	paidTexts    int // titles and paragraphs in them
	problems     []string
}

// shutdownDuringBatch sends a long batch to a fresh gateway in its default
// configuration (request_timeout 180s, shutdown_grace 30s), sends SIGTERM a
// couple of seconds in, and checks that the client gets the whole batch
// reply, every article translated or marked 503 shutting_down, before the
// process exits.
func (f *flood) shutdownDuringBatch(ctx context.Context) (*shutdownResult, error) {
	fmt.Fprintf(f.out, "%6.1fs  shutdown-batch: a batch of %d articles (provider %v a call); SIGTERM %v in\n",
		time.Since(f.began).Seconds(), shutdownArticles, providerDelay, shutdownAfter)
	g, err := f.startGateway(ctx, "shutdown-batch", 0, 0)
	if err != nil {
		return nil, err
	}
	proc := g.cmd.Process
	watch := newMemoryWatch(proc.Pid, f.guard, func() { _ = proc.Kill() })
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	go watch.run(watchCtx, 100*time.Millisecond)

	rng := rand.New(rand.NewPCG(f.seed, 80))
	articles := make([]*article, shutdownArticles)
	bodies := make([]map[string]any, shutdownArticles)
	for i := range articles {
		articles[i] = newArticle(rng.IntN, f.next, 3)
		bodies[i] = articles[i].body()
	}
	body := jsonBody(map[string]any{"task": "translate", "articles": bodies})

	type reply struct {
		status int
		raw    []byte
		err    error
		at     time.Time
	}
	callsBefore, _ := f.provider.callLog()
	replied := make(chan reply, 1)
	go func() {
		client := &http.Client{Timeout: 120 * time.Second}
		resp, err := client.Post(g.url()+"/v1/batch", "application/json", bytes.NewReader(body))
		if err != nil {
			replied <- reply{err: err, at: time.Now()}
			return
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		replied <- reply{status: resp.StatusCode, raw: raw, err: err, at: time.Now()}
	}()
	if err := sleepUntil(ctx, time.Now().Add(shutdownAfter)); err != nil {
		return nil, err
	}
	signalled := time.Now()
	if err := g.terminate(); err != nil {
		return nil, err
	}
	exited := make(chan time.Time, 1)
	var exitErr error
	go func() {
		exitErr = g.wait(90 * time.Second)
		exited <- time.Now()
	}()
	r := <-replied
	exitAt := <-exited

	res := &shutdownResult{status: r.status, replyAfter: r.at.Sub(signalled), exitAfter: exitAt.Sub(signalled), exit: exitErr}
	calls, _ := f.provider.callLog()
	for _, c := range calls[len(callsBefore):] {
		if c.ok {
			res.paid++
			res.paidTexts += len(c.segments)
		}
	}
	if r.err != nil {
		res.problems = append(res.problems, fmt.Sprintf("the client got no whole reply: %s", errorLabel(r.err.Error())))
	} else {
		res.finished, res.shuttingDown, res.other, res.problems = judgeShutdownReply(r.status, r.raw, articles)
	}
	if killed, _, rss := watch.guardKill(); killed {
		res.problems = append(res.problems, fmt.Sprintf("killed by the memory guard at %s RSS", mib(rss)))
	}
	if r.err == nil && r.at.After(exitAt) {
		res.problems = append(res.problems, "the reply arrived after the process had exited")
	}
	fmt.Fprintf(f.out, "%6.1fs    reply %s %.1fs after SIGTERM: %d translated, %d 503 shutting_down, %d other%s; the process exited (%s) %.1fs after SIGTERM\n",
		time.Since(f.began).Seconds(), replyStatus(r.status, r.err), res.replyAfter.Seconds(), res.finished, res.shuttingDown,
		sumCounts(res.other), otherText(res.other), exitText(exitErr), res.exitAfter.Seconds())
	fmt.Fprintf(f.out, "          the provider answered %d calls for the batch, %d texts (an article is 4: its title and 3 paragraphs)\n",
		res.paid, res.paidTexts)
	for _, p := range res.problems {
		fmt.Fprintf(f.out, "          FAIL: %s\n", p)
	}
	return res, nil
}

func replyStatus(status int, err error) string {
	if err != nil {
		return "none (" + errorLabel(err.Error()) + ")"
	}
	return fmt.Sprint(status)
}

// judgeShutdownReply checks a batch reply cut by shutdown: a 200 with one
// result per article, each the article's translation or 503 shutting_down.
func judgeShutdownReply(status int, raw []byte, articles []*article) (finished, shuttingDown int, other map[string]int, problems []string) {
	other = map[string]int{}
	if status != http.StatusOK {
		return 0, 0, other, []string{fmt.Sprintf("the batch was answered %d, not 200: %s", status, oneLine(string(raw)))}
	}
	var reply struct {
		Results []articleOutcome `json:"results"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		return 0, 0, other, []string{fmt.Sprintf("the batch reply is not whole JSON (%d bytes): %v", len(raw), err)}
	}
	if len(reply.Results) != len(articles) {
		problems = append(problems, fmt.Sprintf("%d results for %d articles", len(reply.Results), len(articles)))
	}
	for i, r := range reply.Results {
		switch {
		case i < len(articles) && r.translates(articles[i]):
			finished++
		case r.Status == http.StatusOK:
			other["200 without the article's translation"]++
		case r.Status == http.StatusServiceUnavailable && r.Error != nil && r.Error.Code == "shutting_down":
			shuttingDown++
		default:
			label := fmt.Sprint(r.Status)
			if r.Error != nil {
				label += " " + r.Error.Code
			}
			other[label]++
		}
	}
	if n := sumCounts(other); n > 0 {
		problems = append(problems, fmt.Sprintf("%d articles neither translated nor 503 shutting_down (%s)", n, sortedCounts(other)))
	}
	return finished, shuttingDown, other, problems
}
