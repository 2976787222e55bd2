// Package redact hides credentials in text bound for logs and error
// messages: the user info and query values of URLs, and secret values the
// caller knows of.
//
// It works on the text of a URL rather than on a parsed url.URL, so that a
// URL that does not parse (the very one an error is about) is masked too.
package redact

import (
	"strconv"
	"strings"
)

// Mask replaces every hidden value.
const Mask = "***"

// minSecret is the shortest value Secrets replaces: a shorter one (a
// one-letter user name) would garble every word that contains it.
const minSecret = 4

// URL returns raw with its user info and the value of every query parameter
// replaced by Mask: "https://user:pw@host/v1?key=k" becomes
// "https://***@host/v1?key=***". Text without "://" is returned whole.
func URL(raw string) string {
	scheme := strings.Index(raw, "://")
	if scheme < 0 {
		return raw
	}
	start := scheme + len("://")
	rest := raw[start:]
	var b strings.Builder
	b.Grow(len(raw))
	b.WriteString(raw[:start])
	if at := userInfoEnd(rest); at >= 0 {
		b.WriteString(Mask)
		rest = rest[at:]
	}
	q := strings.IndexByte(rest, '?')
	if q < 0 {
		b.WriteString(rest)
		return b.String()
	}
	b.WriteString(rest[:q+1])
	query, fragment := rest[q+1:], ""
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query, fragment = query[:h], query[h:]
	}
	for i, param := range strings.Split(query, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		if name, value, ok := strings.Cut(param, "="); ok && value != "" {
			b.WriteString(name + "=" + Mask)
		} else {
			b.WriteString(param)
		}
	}
	b.WriteString(fragment)
	return b.String()
}

// userInfoEnd returns the index of the "@" that ends the user info at the
// start of rest (what follows "://"), or -1. The user info ends at the last
// "@" of the authority. A password holding an unescaped "/" ends the
// authority early: an "@" after the first "/" still ends user info when a
// ":" comes before that "/" ("user:pa/ss@host"), but not otherwise, so that
// a path such as "medium.com/@someone" is left alone.
func userInfoEnd(rest string) int {
	end := strings.IndexAny(rest, "?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	slash := strings.IndexByte(authority, '/')
	if slash < 0 {
		return strings.LastIndexByte(authority, '@')
	}
	if at := strings.LastIndexByte(authority[:slash], '@'); at >= 0 {
		return at
	}
	if strings.IndexByte(authority[:slash], ':') >= 0 {
		return strings.LastIndexByte(authority, '@')
	}
	return -1
}

// URLs returns text with every URL in it masked as URL does. A URL runs
// from its scheme to the first space, quote or angle bracket: the way
// net/http's errors (Post "https://…": …) and log lines quote them.
func URLs(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for {
		i := strings.Index(text, "://")
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeByte(text[start-1]) {
			start--
		}
		end := i + len("://")
		for end < len(text) && !isURLEnd(text[end]) {
			end++
		}
		b.WriteString(text[:start])
		b.WriteString(URL(text[start:end]))
		text = text[end:]
	}
}

func isSchemeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '`', '<', '>', '\\':
		return true
	}
	return false
}

// URLSecrets returns the parts of raw that are secret: its user info whole
// and as user name and password, and its query values. It reads raw as
// text, so a URL that does not parse gives its secrets too; with no "@",
// none is taken from the authority.
func URLSecrets(raw string) []string {
	scheme := strings.Index(raw, "://")
	if scheme < 0 {
		return nil
	}
	rest := raw[scheme+len("://"):]
	var out []string
	beforeQuery := rest
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		beforeQuery = rest[:q]
		for _, param := range strings.Split(rest[q+1:], "&") {
			if _, value, ok := strings.Cut(param, "="); ok {
				value, _, _ = strings.Cut(value, "#")
				out = append(out, value)
			}
		}
	}
	// Whatever comes before the last "@" may be user info, whichever
	// character ended the authority early.
	if at := strings.LastIndexByte(beforeQuery, '@'); at >= 0 {
		info := beforeQuery[:at]
		out = append(out, info)
		if user, password, ok := strings.Cut(info, ":"); ok {
			out = append(out, user, password)
		}
		// A parser quotes the piece it stumbled on ("invalid port
		// \":pa55word\" after host"): each piece between delimiters too.
		out = append(out, strings.FieldsFunc(info, func(r rune) bool { return strings.ContainsRune(":/?#@", r) })...)
	}
	return out
}

// Secrets returns text with every occurrence of each secret replaced by
// Mask, in the secret's own form and in the escaped form %q gives it.
// Secrets shorter than four bytes are left alone.
func Secrets(text string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		text = strings.ReplaceAll(text, s, Mask)
		if quoted := strconv.Quote(s); quoted[1:len(quoted)-1] != s {
			text = strings.ReplaceAll(text, quoted[1:len(quoted)-1], Mask)
		}
	}
	return text
}
