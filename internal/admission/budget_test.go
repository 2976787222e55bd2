package admission

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestBudgetRefusesWhatDoesNotFit(t *testing.T) {
	b := NewBudget(100)
	a, err := b.Reserve(60)
	if err != nil {
		t.Fatalf("Reserve(60) of 100: %v", err)
	}
	if _, err := b.Reserve(41); !errors.Is(err, ErrFull) {
		t.Fatalf("Reserve(41) with 40 left: got %v, want ErrFull", err)
	}
	if got := b.InUse(); got != 60 {
		t.Fatalf("a refusal took bytes: in use %d, want 60", got)
	}
	c, err := b.Reserve(40)
	if err != nil {
		t.Fatalf("Reserve(40) with 40 left: %v", err)
	}
	a.Release()
	a.Release() // a second release gives nothing back twice
	c.Release()
	if got := b.InUse(); got != 0 {
		t.Fatalf("in use after every release: %d, want 0", got)
	}
}

func TestBudgetHoldsUnderContention(t *testing.T) {
	b := NewBudget(1000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak := int64(0)
	for range 64 {
		wg.Go(func() {
			for range 200 {
				r, err := b.Reserve(100)
				if err != nil {
					continue
				}
				mu.Lock()
				peak = max(peak, b.InUse())
				mu.Unlock()
				r.Release()
			}
		})
	}
	wg.Wait()
	if peak > 1000 {
		t.Errorf("peak in use %d is over the budget of 1000", peak)
	}
	if got := b.InUse(); got != 0 {
		t.Errorf("in use after every release: %d, want 0", got)
	}
}

func TestReserveFromContext(t *testing.T) {
	release, err := Reserve(context.Background(), 1<<40)
	if err != nil {
		t.Fatalf("without a budget nothing is refused: %v", err)
	}
	release()

	b := NewBudget(10)
	ctx := WithBudget(context.Background(), b)
	release, err = Reserve(ctx, 8)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Reserve(ctx, 8); !errors.Is(err, ErrFull) {
		t.Fatalf("second Reserve(8) of 10: got %v, want ErrFull", err)
	}
	release()
	if got := b.InUse(); got != 0 {
		t.Fatalf("in use after release: %d, want 0", got)
	}
}
