package build

import (
	"strings"
	"testing"
)

// TestBinaryIDNamesThisBinary: a test binary carries no VCS revision; its
// Go build ID names it, the same on every call.
func TestBinaryIDNamesThisBinary(t *testing.T) {
	id := binaryID()
	if !strings.HasPrefix(id, "vcs:") && !strings.HasPrefix(id, "buildid:") && !strings.HasPrefix(id, "sha256:") || len(id) < 20 {
		t.Fatalf("binaryID() = %q, want a VCS revision, the Go build ID or the executable's hash", id)
	}
	t.Logf("binaryID() = %s", id)
	if again := binaryID(); again != id {
		t.Errorf("binaryID() = %q then %q", id, again)
	}
}
