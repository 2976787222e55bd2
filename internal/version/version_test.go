package version

import (
	"strings"
	"testing"
)

// TestBinaryIDNamesThisBinary: a test binary carries no VCS revision; its
// Go build ID names it, the same on every call.
func TestBinaryIDNamesThisBinary(t *testing.T) {
	id := BinaryID()
	if !strings.HasPrefix(id, "vcs:") && !strings.HasPrefix(id, "buildid:") && !strings.HasPrefix(id, "sha256:") || len(id) < 20 {
		t.Fatalf("BinaryID() = %q, want a VCS revision, the Go build ID or the executable's hash", id)
	}
	t.Logf("BinaryID() = %s", id)
	if again := BinaryID(); again != id {
		t.Errorf("BinaryID() = %q then %q", id, again)
	}
}
