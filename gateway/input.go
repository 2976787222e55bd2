package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"passerelle/article"
	"passerelle/article/extract"
	"passerelle/article/fetch"
	"passerelle/article/tokens"
	"passerelle/internal/admission"
)

// Error codes of article input.
const (
	CodeNoArticle     = "no_article"      // the page holds no article text
	CodeURLNotAllowed = "url_not_allowed" // the URL is not http(s) or points inside the network
	CodeFetchFailed   = "fetch_failed"    // the page could not be fetched
	CodeNotHTML       = "not_html"        // the URL does not serve a web page
)

// Errors of a request's form, shared by CheckInput and readArticle.
var (
	errSeveralInputs = Errorf(CodeInvalidRequest, "send one of \"text\", \"html\" and \"url\", not several")
	errEmptyArticle  = Errorf(CodeEmptyArticle, "the article has no text: send the French text in \"text\", a page in \"html\" or its address in \"url\"")
)

// pageMeta is what a page says of its article besides its text.
type pageMeta struct {
	Byline    string // the author, as the page names them
	Published string // the publication date, YYYY-MM-DD
}

// readArticleMeta reads the article of a request, whatever its form, with
// the byline and date of a page; they are empty for a text.
func (s *Service) readArticleMeta(ctx context.Context, req Request) (article.Document, pageMeta, error) {
	given := 0
	for _, v := range []string{req.Text, req.HTML, req.URL} {
		if strings.TrimSpace(v) != "" {
			given++
		}
	}
	if given > 1 {
		return article.Document{}, pageMeta{}, errSeveralInputs
	}
	var (
		doc  article.Document
		meta pageMeta
	)
	switch {
	case len(req.Segments) > 0:
		doc = article.Document{Paragraphs: req.Segments}
	case strings.TrimSpace(req.URL) != "":
		// The page's size is not known before it is fetched: its room is
		// the largest page the fetcher accepts, taken before the fetch.
		release, err := s.reserve(ctx, s.fetcher.MaxBytes())
		if err != nil {
			return article.Document{}, meta, err
		}
		defer release()
		page, err := s.fetchPage(ctx, req.URL)
		if err != nil {
			return article.Document{}, meta, err
		}
		if doc, meta, err = s.extractPage(ctx, page.Body, page.URL, req.Title); err != nil {
			return article.Document{}, meta, err
		}
	case strings.TrimSpace(req.HTML) != "":
		var err error
		if doc, meta, err = s.extractPage(ctx, []byte(req.HTML), "", req.Title); err != nil {
			return article.Document{}, meta, err
		}
	default:
		doc = article.Parse(req.Title, req.Text)
	}
	if len(doc.Paragraphs) == 0 {
		if doc.Empty() {
			return article.Document{}, meta, errEmptyArticle
		}
		// A lone headline is an article of one paragraph, not a title.
		doc = article.Document{Paragraphs: []string{doc.Title}}
	}
	return doc, meta, nil
}

// extractPage finds the article in a web page. A title given by the request
// wins over the page's.
func (s *Service) extractPage(ctx context.Context, page []byte, pageURL, title string) (article.Document, pageMeta, error) {
	release, err := s.reserve(ctx, admission.ExtractionCost(int64(len(page))))
	if err != nil {
		return article.Document{}, pageMeta{}, err
	}
	res, err := extract.Article(ctx, page, pageURL)
	release() // the DOM is garbage from here
	if errors.Is(err, extract.ErrNoArticle) {
		return article.Document{}, pageMeta{}, &Error{Code: CodeNoArticle, Message: "no article text was found in the page", Err: err}
	}
	if err != nil {
		return article.Document{}, pageMeta{}, err
	}
	if strings.TrimSpace(title) == "" {
		title = res.Title
	}
	// Each extracted block is a paragraph; Parse normalises them the same
	// way as pasted text, so that the cache keys agree.
	return article.Parse(title, strings.Join(res.Paragraphs, "\n\n")), pageMeta{Byline: res.Byline, Published: res.Date}, nil
}

// reserve takes n bytes of the budget of work in flight that ctx carries,
// before the work that holds them starts.
func (s *Service) reserve(ctx context.Context, n int64) (release func(), err error) {
	release, err = admission.Reserve(ctx, n)
	if err != nil {
		return release, &Error{Code: CodeOverloaded, Err: err,
			Message: "the gateway is working at capacity: send the request again shortly"}
	}
	return release, nil
}

// messageHostNotFetched is the one answer to a URL whose host name does not
// resolve or resolves to an address inside the network.
const messageHostNotFetched = "the page could not be fetched: its host name does not resolve to an address that may be fetched"

// messageNotHTTP is the answer to a URL that is not an absolute http or
// https address.
const messageNotHTTP = "the URL must be an absolute http or https address"

// CheckURL returns the error a request for the article at rawURL gets for
// the URL's form alone (url_not_allowed: not an absolute http or https
// address), before anything is fetched. Where the address leads is checked
// when the page is fetched.
func CheckURL(rawURL string) error {
	if err := fetch.CheckURL(rawURL); err != nil {
		return &Error{Code: CodeURLNotAllowed, Message: messageNotHTTP, Err: err}
	}
	return nil
}

// CheckPageURL is CheckURL for this service: it also refuses every
// address when fetching by URL is turned off here, as a request with it
// would be refused.
func (s *Service) CheckPageURL(rawURL string) error {
	if s.fetcher == nil {
		return errFetchOff
	}
	return CheckURL(rawURL)
}

var errFetchOff = Errorf(CodeURLNotAllowed, "fetching articles by URL is turned off here: send the page in \"html\"")

func (s *Service) fetchPage(ctx context.Context, rawURL string) (fetch.Page, error) {
	if s.fetcher == nil {
		return fetch.Page{}, errFetchOff
	}
	page, err := s.fetcher.Get(ctx, strings.TrimSpace(rawURL))
	var status *fetch.StatusError
	switch {
	case err == nil:
		return page, nil
	case errors.Is(err, fetch.ErrInvalidURL):
		return page, &Error{Code: CodeURLNotAllowed, Message: messageNotHTTP, Err: err}
	case errors.Is(err, fetch.ErrHostNotFetched):
		// One answer whether the name does not resolve or resolves inside
		// the network: two would tell a client which internal names exist.
		// The log line of the failure says which it was.
		return page, &Error{Code: CodeFetchFailed, Message: messageHostNotFetched, Err: err}
	case errors.Is(err, fetch.ErrForbiddenAddress):
		return page, &Error{Code: CodeURLNotAllowed, Message: "the URL points to a loopback, private or link-local address, which is not fetched", Err: err}
	case errors.Is(err, fetch.ErrTooLarge):
		return page, &Error{Code: CodeTooLarge, Message: "the page is larger than the fetcher accepts", Err: err}
	case errors.Is(err, fetch.ErrNotHTML):
		return page, &Error{Code: CodeNotHTML, Message: "the URL does not serve an HTML page", Err: err}
	case errors.Is(err, fetch.ErrTooManyRedirects):
		return page, &Error{Code: CodeFetchFailed, Message: "the page could not be fetched: the URL redirects too many times", Err: err}
	case errors.As(err, &status):
		return page, &Error{Code: CodeFetchFailed, Message: "the page could not be fetched: the site answered " + status.Status, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return page, &Error{Code: CodeFetchFailed, Message: "the page could not be fetched: the site did not answer in time", Err: err}
	case isTLSFailure(err):
		return page, &Error{Code: CodeFetchFailed, Message: "the page could not be fetched: the site's TLS certificate or handshake was refused", Err: err}
	case isConnectionFailure(err):
		return page, &Error{Code: CodeFetchFailed, Message: "the page could not be fetched: the connection to the site failed (refused, reset or cut)", Err: err}
	}
	return page, &Error{Code: CodeFetchFailed, Message: "the page could not be fetched", Err: err}
}

// isTLSFailure reports whether err is the site's certificate or TLS
// handshake failing.
func isTLSFailure(err error) bool {
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &unknown) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}

// isConnectionFailure reports whether err is the connection to the site
// failing: refused, reset, or closed before a reply.
func isConnectionFailure(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// Extraction is what would be translated, for a preview and a budget.
type Extraction struct {
	Title      string   `json:"title"`
	Paragraphs []string `json:"paragraphs"`
	// Byline and Published are the page's author and publication date
	// (YYYY-MM-DD), from its metadata or its dateline, which is no
	// paragraph; absent for a text or a page that gives none.
	Byline       string `json:"byline,omitempty"`
	Published    string `json:"published,omitempty"`
	DetectedLang string `json:"detected_lang"` // "" when unsure
	Characters   int    `json:"characters"`
	// TokensEstimate counts the text with the o200k_base tokenizer of
	// current OpenAI models; other models differ somewhat.
	TokensEstimate int `json:"tokens_estimate"`
}

// Extract returns the article exactly as it would be translated, without
// calling any provider.
func (s *Service) Extract(ctx context.Context, req Request) (*Extraction, error) {
	doc, meta, err := s.readArticleMeta(ctx, req)
	if err != nil {
		return nil, err
	}
	counter := tokens.For("gpt-4o")
	n := counter.Count(doc.Title)
	for _, p := range doc.Paragraphs {
		n += counter.Count(p)
	}
	return &Extraction{
		Title:          doc.Title,
		Paragraphs:     doc.Paragraphs,
		Byline:         meta.Byline,
		Published:      meta.Published,
		DetectedLang:   s.detect(article.Document{Title: doc.Title, Paragraphs: plan{format: formatOf(req)}.textsOf(doc.Paragraphs)}),
		Characters:     doc.Characters(),
		TokensEstimate: n,
	}, nil
}
