package feed

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"

	"passerelle/article/fetch"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve answers every request with body as contentType, on loopback.
func serve(t *testing.T, contentType string, body []byte) (*httptest.Server, *fetch.Fetcher) {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	u, _ := url.Parse(s.URL)
	return s, fetch.New(fetch.Options{AllowHosts: []string{u.Host}})
}

func TestParseRSSWithContentEncoded(t *testing.T) {
	items, err := Parse(strings.NewReader(string(readFixture(t, "lemonde-international.rss"))), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{
		{Title: "Premier sommet Poutine-Kim pour raviver les « liens » historiques",
			HTML: "<p>Le sommet inédit entre Kim Jong-un et Vladimir Poutine s’est achevé jeudi 25 avril à Vladivostok, ville portuaire de l’Extrême-Orient russe.</p><p>Le président russe et le dirigeant nord-coréen se sont entretenus pendant plusieurs heures de la situation dans la péninsule.</p>"},
		{Title: "Au Soudan, les manifestants maintiennent la pression sur l’armée",
			URL: "https://www.lemonde.fr/afrique/article/2019/04/25/au-soudan-les-manifestants_5454620_3212.html"},
		{Title: "Sri Lanka : le bilan des attentats revu à la baisse",
			HTML: "<p>Les autorités sri-lankaises ont revu à la baisse, jeudi, le bilan des attentats de dimanche : 253 morts, et non 359.</p>"},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items =\n%#v\nwant\n%#v", items, want)
	}
}

func TestFetchAtomWithSummaryOnly(t *testing.T) {
	s, f := serve(t, "application/atom+xml; charset=utf-8", readFixture(t, "franceinfo-monde.atom"))
	items, err := Fetch(context.Background(), f, s.URL+"/monde.atom", 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{
		// A summary is not the article: its link is fetched.
		{Title: "Corée du Nord : Kim Jong-un reçu à Vladivostok par Vladimir Poutine",
			URL: "https://www.francetvinfo.fr/monde/coree-du-nord/kim-jong-un-recu-a-vladivostok_3414829.html"},
		// A relative link is resolved against the feed's address.
		{Title: "Brexit : Theresa May sous la pression de son parti",
			URL: s.URL + "/monde/europe/brexit/theresa-may-sous-pression_3414700.html"},
		{Title: "Venezuela : l'opposition appelle à manifester le 1er mai",
			HTML: "<p>Juan Guaido a appelé à la « plus grande marche de l'histoire » du pays.</p>"},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items =\n%#v\nwant\n%#v", items, want)
	}
}

func TestMaxItems(t *testing.T) {
	s, f := serve(t, "application/rss+xml", readFixture(t, "lemonde-international.rss"))
	for _, max := range []int{1, 2, 3, 10} {
		items, err := Fetch(context.Background(), f, s.URL, max)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(max, 3); len(items) != want {
			t.Errorf("max %d: %d items, want %d", max, len(items), want)
		}
	}
	items, err := Parse(strings.NewReader(string(readFixture(t, "franceinfo-monde.atom"))), 2)
	if err != nil || len(items) != 2 || items[1].Title != "Brexit : Theresa May sous la pression de son parti" {
		t.Errorf("Parse with max 2 = %#v, %v; want the first two entries", items, err)
	}
}

func TestNotAFeed(t *testing.T) {
	page := []byte(`<!DOCTYPE html><html lang="fr"><body><p>Le sommet s'est achevé.</p></body></html>`)
	for _, tt := range []struct {
		name, contentType string
		body              []byte
	}{
		{"an HTML page", "text/html; charset=utf-8", page},
		{"an HTML page sent as XML", "text/xml", page},
		{"an XML document that is no feed", "application/xml", []byte(`<?xml version="1.0"?><sitemap><loc>https://www.lemonde.fr/</loc></sitemap>`)},
		{"a JSON feed", "application/xml", []byte(`{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": []}`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, f := serve(t, tt.contentType, tt.body)
			_, err := Fetch(context.Background(), f, s.URL, 0)
			if !errors.Is(err, ErrNotAFeed) || errors.Is(err, fetch.ErrFetchFailed) {
				t.Errorf("Fetch error = %v, want ErrNotAFeed alone", err)
			}
		})
	}
	if _, err := Parse(strings.NewReader("Le sommet s'est achevé."), 0); !errors.Is(err, ErrNotAFeed) {
		t.Errorf("Parse of plain text: error = %v, want ErrNotAFeed", err)
	}
}

func TestFetchFailures(t *testing.T) {
	body := readFixture(t, "lemonde-international.rss")
	s, _ := serve(t, "application/rss+xml", body)
	u, _ := url.Parse(s.URL)

	small := fetch.New(fetch.Options{AllowHosts: []string{u.Host}, MaxBytes: int64(len(body)) - 1})
	_, err := Fetch(context.Background(), small, s.URL, 0)
	if !errors.Is(err, fetch.ErrFetchFailed) || !errors.Is(err, fetch.ErrTooLarge) {
		t.Errorf("a feed over the size bound: error = %v, want ErrFetchFailed wrapping ErrTooLarge", err)
	}

	// The fetcher of article URLs refuses loopback: so does the feed's.
	_, err = Fetch(context.Background(), fetch.New(fetch.Options{}), s.URL, 0)
	if !errors.Is(err, fetch.ErrFetchFailed) || !errors.Is(err, fetch.ErrForbiddenAddress) {
		t.Errorf("a loopback feed: error = %v, want ErrFetchFailed wrapping ErrForbiddenAddress", err)
	}

	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	mu, _ := url.Parse(missing.URL)
	_, err = Fetch(context.Background(), fetch.New(fetch.Options{AllowHosts: []string{mu.Host}}), missing.URL, 0)
	var status *fetch.StatusError
	if !errors.Is(err, fetch.ErrFetchFailed) || !errors.As(err, &status) || status.StatusCode != 404 {
		t.Errorf("a feed answering 404: error = %v, want ErrFetchFailed with its status", err)
	}
}
