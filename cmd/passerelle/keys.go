package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// keyCommand runs `passerelle new-key` or `passerelle hash-key`: the
// configuration holds only SHA-256 hashes of API keys, never the keys.
func keyCommand(name string, in io.Reader, out io.Writer) error {
	switch name {
	case "new-key":
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		key := "psl_" + base64.RawURLEncoding.EncodeToString(b[:])
		fmt.Fprintf(out, "key:    %s\nsha256: %s\n\nGive the key to the client; put only its hash in the configuration:\n\n", key, hashKey(key))
		fmt.Fprintf(out, "auth:\n  enabled: true\n  keys:\n    - {name: CLIENT-NAME, sha256: %s}\n", hashKey(key))
		return nil
	case "hash-key":
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		key := strings.TrimSpace(line)
		if key == "" {
			return errors.New("hash-key: give the key on standard input, e.g. echo \"$KEY\" | passerelle hash-key")
		}
		fmt.Fprintln(out, hashKey(key))
		return nil
	}
	return fmt.Errorf("unknown command %q: the commands are new-key and hash-key (none: serve)", name)
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
