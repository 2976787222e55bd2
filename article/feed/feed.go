// Package feed turns a news feed (RSS 2.0 or Atom) into article sources, so
// that a newsroom can hand over a feed rather than its articles one by one:
// an entry that carries its article (content:encoded, Atom content) gives its
// HTML for extraction, any other its link to fetch. Feeds are fetched through
// article/fetch, under the same address guard and size bound as article URLs.
package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/mmcdole/gofeed"

	"passerelle/article/fetch"
)

// ErrNotAFeed: the document is not an RSS or Atom feed.
var ErrNotAFeed = errors.New("the document is not an RSS or Atom feed")

// Item is one entry of a feed: HTML when the feed carries the article
// (content:encoded, Atom content), else the link to fetch. Title is the
// entry's title.
type Item struct{ Title, HTML, URL string }

// Fetch gets the feed at url through f (the same address guard as article
// URLs) and returns at most max items (all of them when max <= 0).
//
// Its errors wrap fetch.ErrFetchFailed when the feed cannot be had (the
// fetcher's own error, ErrForbiddenAddress, ErrTooLarge…, is wrapped too) and
// ErrNotAFeed when what the address serves is not a feed.
func Fetch(ctx context.Context, f *fetch.Fetcher, url string, max int) ([]Item, error) {
	page, err := f.GetFeed(ctx, url)
	switch {
	case errors.Is(err, fetch.ErrNotFeed):
		return nil, fmt.Errorf("%w: %w", ErrNotAFeed, err)
	case errors.Is(err, fetch.ErrFetchFailed):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: %w", fetch.ErrFetchFailed, err)
	}
	items, err := Parse(bytes.NewReader(page.Body), max)
	if err != nil {
		return nil, err
	}
	resolveLinks(items, page.URL)
	return items, nil
}

// Parse reads a feed document and returns at most max items (all of them
// when max <= 0), in the feed's order. Entries with neither content nor a
// link are left out: there is nothing to translate. Its errors wrap
// ErrNotAFeed when the document is not RSS or Atom.
func Parse(r io.Reader, max int) ([]Item, error) {
	parsed, err := gofeed.NewParser().Parse(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotAFeed, err)
	}
	if parsed.FeedType != "rss" && parsed.FeedType != "atom" {
		return nil, fmt.Errorf("%w: a %s feed", ErrNotAFeed, parsed.FeedType)
	}
	var items []Item
	for _, it := range parsed.Items {
		if max > 0 && len(items) == max {
			break
		}
		item := Item{Title: strings.TrimSpace(it.Title)}
		if content := strings.TrimSpace(it.Content); content != "" {
			item.HTML = content
		} else if link := strings.TrimSpace(it.Link); link != "" {
			item.URL = link
		} else {
			continue
		}
		items = append(items, item)
	}
	return items, nil
}

// resolveLinks makes the items' relative links absolute against the
// feed's own address.
func resolveLinks(items []Item, feedURL string) {
	base, err := url.Parse(feedURL)
	if err != nil {
		return
	}
	for i := range items {
		if items[i].URL == "" {
			continue
		}
		if u, err := url.Parse(items[i].URL); err == nil && !u.IsAbs() {
			items[i].URL = base.ResolveReference(u).String()
		}
	}
}
