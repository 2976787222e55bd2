package admission

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/article/extract"
)

// BenchmarkExtractionHeldBytes measures the peak of the live heap while an
// article is extracted from each French page of article/extract/testdata, over the
// page's size: what ExtractionWeight must cover. The collector runs at
// every 2% of growth, so the live heap it reports follows the peak closely.
func BenchmarkExtractionHeldBytes(b *testing.B) {
	pages, _ := filepath.Glob("../../article/extract/testdata/trafilatura/*.html")
	more, _ := filepath.Glob("../../article/extract/testdata/readability/*/source.html")
	pages = append(pages, more...)
	if len(pages) == 0 {
		b.Skip("no pages in article/extract/testdata")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(2))
	worst := 0.0
	for b.Loop() {
		for _, path := range pages {
			page, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			worst = max(worst, float64(heldWhile(func() { _, _ = extract.Article(context.Background(), page, "https://example.org/") }))/float64(len(page)))
		}
	}
	b.ReportMetric(worst, "held-B/page-B")
	if worst > ExtractionWeight {
		b.Errorf("extraction held %.1f times its page; ExtractionWeight (%d) no longer covers it", worst, ExtractionWeight)
	}
}

// heldWhile returns the peak of the live heap while f runs, over the live
// heap before.
func heldWhile(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	live := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := live()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if l := live(); l > peak.Load() {
				peak.Store(l)
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	<-sampled
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}
