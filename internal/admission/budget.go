// Package admission decides, before any work starts, whether the process has
// room for it: a budget of the bytes of work in flight, and a listener that
// bounds connections. Refusing at the door costs a few bytes; refusing after
// a page was parsed costs what it was meant to save.
package admission

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrFull is returned when the budget has no room for the work.
var ErrFull = errors.New("admission: the budget of work in flight is full")

// What a byte of input costs in memory while it is worked on. The budget
// counts memory, not input: these factors turn one into the other.
const (
	// BodyWeight covers a request body while its request lives: the bytes
	// read, the strings decoded from them, the paragraphs, the
	// translations and the reply rendered from them, each about the size
	// of the body.
	BodyWeight = 4
	// ExtractionWeight covers an HTML page while its article is extracted:
	// the parsed DOM, the copies the extractor compares and the text it
	// builds. Measured peaks of the live heap on the French pages of
	// article/extract/testdata (70 to 140 KB each) were 14 to 29 times the page;
	// BenchmarkExtractionHeldBytes in this package measures it again.
	ExtractionWeight = 32
)

// BodyCost is what a request body of n bytes holds while it is worked on.
func BodyCost(n int64) int64 { return n * BodyWeight }

// ExtractionCost is what extracting the article of an n-byte page holds.
func ExtractionCost(n int64) int64 { return n * ExtractionWeight }

// Budget is a process-wide count of the bytes of work in flight, bounded.
// It never waits: work that does not fit is refused at once, and its client
// told to come back.
type Budget struct {
	limit   int64
	used    atomic.Int64
	refused atomic.Int64
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Limit is the budget's size in bytes.
func (b *Budget) Limit() int64 { return b.limit }

// InUse is the bytes reserved now.
func (b *Budget) InUse() int64 { return b.used.Load() }

// Refused is how many reservations the budget has refused.
func (b *Budget) Refused() int64 { return b.refused.Load() }

// Reserve takes n bytes of the budget, or returns ErrFull and takes
// nothing. The reservation must be released, once, whatever happens to the
// work: a deferred Release does it on every path, panics included.
func (b *Budget) Reserve(n int64) (*Reservation, error) {
	if n < 0 {
		n = 0
	}
	for {
		used := b.used.Load()
		if used+n > b.limit {
			b.refused.Add(1)
			return nil, ErrFull
		}
		if b.used.CompareAndSwap(used, used+n) {
			return &Reservation{budget: b, n: n}, nil
		}
	}
}

// Reservation is bytes taken from a budget until Release.
type Reservation struct {
	budget *Budget
	n      int64
	once   sync.Once
}

// Release gives the bytes back; calls after the first do nothing.
func (r *Reservation) Release() {
	if r == nil {
		return
	}
	r.once.Do(func() { r.budget.used.Add(-r.n) })
}

type budgetKey struct{}

// WithBudget returns ctx carrying b, so that the work done for a request can
// reserve what it learns it needs (a fetched page's size) from the same
// budget.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// Reserve takes n bytes of the budget ctx carries for the work that follows,
// and returns the function that gives them back. Without a budget in ctx
// (a test, a library caller) nothing is counted and nothing refused.
func Reserve(ctx context.Context, n int64) (release func(), err error) {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	if b == nil {
		return func() {}, nil
	}
	r, err := b.Reserve(n)
	if err != nil {
		return func() {}, err
	}
	return r.Release, nil
}
