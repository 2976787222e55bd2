// Package version names the running binary: the identity that kept replies
// carry, so that a deploy never serves what the previous code shaped, and
// that the start-up log prints.
package version

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"runtime/debug"
	"sync"
)

// BinaryID identifies the running code, once per process: the VCS revision
// it was built from when the build recorded one and the tree was clean,
// else the Go build ID of the executable, else a hash of it, else "".
var BinaryID = sync.OnceValue(func() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		var revision string
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if revision != "" && !modified {
			return "vcs:" + revision
		}
	}
	// The running file, even when it has been replaced on disk since
	// (Linux), else its path.
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		if exe, err = os.Executable(); err != nil {
			return ""
		}
	}
	// The Go build ID, in an ELF note, is a hash of what the binary was
	// built from: reading it is reading a few bytes, where hashing the
	// 50 MB binary would add some 30 ms to every start.
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if note := f.Section(".note.go.buildid"); note != nil {
			if data, err := note.Data(); err == nil && len(data) > 0 {
				sum := sha256.Sum256(data)
				return "buildid:" + hex.EncodeToString(sum[:])
			}
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
})
