package jobclient

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// input is one article of the command line: the source sent and the name
// its output takes in the output folder (without its extension).
type input struct {
	name   string
	source Source
}

// readable are the file extensions taken, and the field each goes in.
var readable = map[string]func(string) Source{
	".txt":  func(s string) Source { return Source{Text: s} },
	".md":   func(s string) Source { return Source{Text: s} },
	".html": func(s string) Source { return Source{HTML: s} },
	".htm":  func(s string) Source { return Source{HTML: s} },
}

// collect turns the command's arguments into inputs, in order: a URL as
// itself, a file as its content, a folder as the files it holds (walked, in
// lexical order; files of other kinds are passed over). Names are unique:
// a file keeps its path within the folder named, a URL its last segment.
func collect(args []string) ([]input, error) {
	var ins []input
	seen := map[string]int{}
	add := func(name string, s Source) {
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s-%d", name, n)
		}
		ins = append(ins, input{name: name, source: s})
	}
	for _, arg := range args {
		if isURL(arg) {
			add(urlName(arg), Source{URL: arg})
			continue
		}
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if info.IsDir() {
			err = walk(arg, add)
		} else {
			var s Source
			if s, err = readSource(arg); err == nil {
				add(stem(filepath.Base(arg)), s)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return ins, nil
}

// walk adds the readable files of the folder root, in lexical order, each
// named by its path within root; hidden folders are passed over.
func walk(root string, add func(name string, s Source)) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != root && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case d.IsDir() || readable[strings.ToLower(filepath.Ext(p))] == nil:
			return nil
		}
		s, err := readSource(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		add(stem(filepath.ToSlash(rel)), s)
		return nil
	})
}

func isURL(arg string) bool {
	return strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://")
}

func readSource(p string) (Source, error) {
	as := readable[strings.ToLower(filepath.Ext(p))]
	if as == nil {
		return Source{}, fmt.Errorf("%s: only .txt, .md and .html files are read", p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return Source{}, err
	}
	return as(string(b)), nil
}

// stem is a file's path without its extension.
func stem(p string) string { return strings.TrimSuffix(p, path.Ext(p)) }

// urlName is the last segment of a URL's path without its extension, or
// its host.
func urlName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return slug(raw)
	}
	if base := stem(path.Base(strings.TrimRight(u.Path, "/"))); base != "" && base != "." && base != "/" {
		return slug(base)
	}
	return slug(u.Hostname())
}

// slug makes a file name of a title: lower case ASCII letters and digits
// joined by hyphens, accents dropped, at most 80 characters.
func slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	if b.Len() == 0 {
		return "article"
	}
	return b.String()
}
