package gateway

import (
	"context"
	"testing"
	"time"
)

// What a request holds is let go by release whatever state it was left
// in, as a panic leaves it: a paragraph still claimed ends with an internal
// error for whoever waits on it and may be claimed again, a paragraph kept
// until written is forgotten, the lease is given back, and the identical
// articles waiting get an internal error and a flight that is over.
func TestReleaseLetsGoOfEverythingHeld(t *testing.T) {
	svc := newTestService(t)
	fl, leader := svc.flights.join("doc")
	if !leader {
		t.Fatal("the first request does not lead its flight")
	}
	leaseGiven := false
	h := &holds{s: svc, doc: fl, docKey: "doc", lease: func() { leaseGiven = true }}
	if owned, _ := h.claim([]string{"open", "done"}, true); len(owned) != 2 {
		t.Fatalf("owned %v, want both paragraphs", owned)
	}
	h.finish("done", "translated", "model", nil)
	_, waits := svc.segmentFlights.claim([]string{"open"}, true)
	if len(waits) != 1 {
		t.Fatal("a claimed paragraph is not waited for")
	}

	h.release()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := waits[0].wait(ctx); ErrorCode(err) != CodeInternal {
		t.Errorf("the paragraph left claimed ended with %v, want an internal error", err)
	}
	if owned, _ := svc.segmentFlights.claim([]string{"open", "done"}, true); len(owned) != 2 {
		t.Errorf("after release %d of 2 paragraphs may be claimed again", len(owned))
	}
	if !leaseGiven {
		t.Error("the lease was not given back")
	}
	select {
	case <-fl.stored:
	default:
		t.Fatal("the flight is not over")
	}
	if ErrorCode(fl.err) != CodeInternal || fl.tr != nil {
		t.Errorf("the waiting articles got %v, %v; want an internal error", fl.tr, fl.err)
	}
	if again, leader := svc.flights.join("doc"); !leader || again == fl {
		t.Error("the next identical article joins the flight that is over")
	}
}

// Two providers under one name would disagree on what it is: New refuses
// them.
func TestNewRefusesAProviderNamedTwice(t *testing.T) {
	opts := testOptions(withTranslator("llm", &fakeTranslator{name: "llm"}))
	opts.Providers = append(opts.Providers, Provider{Name: "llm", Translator: &fakeTranslator{name: "other"}})
	if _, err := New(opts); err == nil {
		t.Error("New accepted two providers named llm")
	}
}
