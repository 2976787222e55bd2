// Package feed turns a feed (RSS 2.0 or Atom) into article sources, so that
// a job can be given a feed's address instead of its articles.
//
// Feeds are not read yet: Fetch and Parse fail with ErrNotAFeed.
package feed

import (
	"context"
	"errors"
	"fmt"
	"io"

	"passerelle/article/fetch"
)

// Item is one entry of a feed: HTML when the feed carries the article
// (content:encoded, Atom content), else the link to fetch. Title is the
// entry's title.
type Item struct{ Title, HTML, URL string }

// ErrNotAFeed: the document is not RSS or Atom.
var ErrNotAFeed = errors.New("feed: not an RSS or Atom feed")

// Fetch gets the feed at url through f (the same address guard as article
// URLs) and returns at most max items.
func Fetch(ctx context.Context, f *fetch.Fetcher, url string, max int) ([]Item, error) {
	return nil, fmt.Errorf("%w: feeds are not read yet", ErrNotAFeed)
}

// Parse reads a feed document.
func Parse(r io.Reader, max int) ([]Item, error) {
	return nil, fmt.Errorf("%w: feeds are not read yet", ErrNotAFeed)
}
