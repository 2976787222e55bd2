package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"passerelle/gateway"
	"passerelle/handlers/quota"
)

// Access configures who may call the API and how much.
type Access struct {
	// Enabled requires an API key on /v1 and /admin.
	Enabled bool
	Keys    []Key
	// Default limits apply to keys without their own and, with auth off,
	// to each client address.
	Default Limits
	// Limiter counts requests and characters; nil: no limits at all.
	Limiter quota.Limiter
}

// Key is one accepted API key, known by its SHA-256 only.
type Key struct {
	Name   string
	SHA256 [32]byte
	// Admin keys may call /admin endpoints, and refresh the cache.
	Admin bool
	// Refresh lets the key's "Cache-Control: no-cache" replace the cached
	// results that every client reads; other keys' no-cache reads through
	// the cache.
	Refresh bool
	Limits  Limits
}

// Limits bound one client; zero fields are unbounded.
type Limits struct {
	RequestsPerMinute int
	CharactersPerDay  int
}

// Codes of the access layer.
const (
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeRateLimited  = "rate_limited"
	// codeQuotaUnavailable: the shared limits cannot be asked (Redis is
	// down) and the deployment refuses rather than count in each process.
	codeQuotaUnavailable = "quota_unavailable"
)

// quotaRetryAfter is the Retry-After of quota_unavailable: long enough not
// to hammer a gateway whose Redis is down, short enough to notice it back.
const quotaRetryAfter = 5 * time.Second

const (
	ctxKeyClient = "client"
	ctxKeyRules  = "rules"
)

// client is the caller a request is counted against.
type client struct {
	name    string // key name, or "ip:<address>" with auth off
	admin   bool
	refresh bool // may replace shared cache entries (Cache-Control: no-cache)
	limits  Limits
}

// Rules hold the access rules and CORS origins in force. A reload replaces
// them with Set; each request reads them once, before CORS and
// authentication, so that it sees either the old rules or the new, never
// some of each, and a key removed by a reload is refused from the next
// request on, on a connection kept open too.
type Rules struct {
	current atomic.Pointer[rules]
}

type rules struct {
	access Access
	cors   gin.HandlerFunc // nil: no cross-origin access
}

// NewRules returns the rules a and corsOrigins; it fails when an origin is
// not one (see Set).
func NewRules(a Access, corsOrigins []string) (*Rules, error) {
	r := &Rules{}
	if err := r.Set(a, corsOrigins); err != nil {
		return nil, err
	}
	return r, nil
}

// Set puts a and corsOrigins in force for every request that starts from
// now on. It fails, changing nothing, when an origin is neither "*" nor a
// URL with a scheme (https://newsroom.example).
func (r *Rules) Set(a Access, corsOrigins []string) error {
	next := &rules{access: a}
	if len(corsOrigins) > 0 {
		cfg := cors.Config{
			AllowOrigins:  corsOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodDelete},
			AllowHeaders:  []string{"Authorization", "X-API-Key", "Content-Type", "Cache-Control", headerRequestID},
			ExposeHeaders: []string{"X-Cache", headerRequestID, "Location", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"},
			MaxAge:        time.Hour,
		}
		// cors.New panics on a configuration it refuses: ask first.
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("cors.allowed_origins: %w", err)
		}
		next.cors = cors.New(cfg)
	}
	r.current.Store(next)
	return nil
}

// withRules reads the rules in force for the whole request and answers
// cross-origin requests by them.
func (h *handler) withRules(c *gin.Context) {
	r := h.rules.current.Load()
	c.Set(ctxKeyRules, r)
	if r.cors != nil {
		r.cors(c)
	}
}

// rulesOf returns the rules the request started with.
func (h *handler) rulesOf(c *gin.Context) *rules {
	if v, ok := c.Get(ctxKeyRules); ok {
		return v.(*rules)
	}
	return h.rules.current.Load()
}

// authenticate finds the caller's key, from "Authorization: Bearer …" or
// "X-API-Key", comparing its SHA-256 with every configured hash in constant
// time, so that neither a key nor its position in the list leaks through
// timing. With auth off, every caller is counted by address.
func (h *handler) authenticate(c *gin.Context) {
	a := &h.rulesOf(c).access
	if !a.Enabled {
		// Without keys, only the machine itself may use the admin
		// endpoints: a gateway left open on a network is not open to
		// reconfiguration too. Its one user may refresh the cache.
		c.Set(ctxKeyClient, client{name: "ip:" + c.ClientIP(), limits: a.Default, admin: fromLoopback(c.Request), refresh: true})
		c.Next()
		return
	}
	presented := presentedKey(c)
	if presented == "" {
		c.Header("WWW-Authenticate", `Bearer realm="passerelle"`)
		h.writeError(c, gateway.Errorf(codeUnauthorized, "an API key is required: send it as \"Authorization: Bearer KEY\" or \"X-API-Key: KEY\""))
		return
	}
	sum := sha256.Sum256([]byte(presented))
	var found *Key
	for i := range a.Keys {
		if subtle.ConstantTimeCompare(sum[:], a.Keys[i].SHA256[:]) == 1 {
			found = &a.Keys[i]
		}
	}
	if found == nil {
		c.Header("WWW-Authenticate", `Bearer realm="passerelle", error="invalid_token"`)
		h.writeError(c, gateway.Errorf(codeUnauthorized, "the API key is not valid"))
		return
	}
	limits := found.Limits
	if limits == (Limits{}) {
		limits = a.Default
	}
	c.Set(ctxKeyClient, client{name: found.Name, admin: found.Admin, refresh: found.Refresh || found.Admin, limits: limits})
	c.Next()
}

func presentedKey(c *gin.Context) string {
	if key, ok := c.Get(ctxKeyPresentedKey); ok {
		return key.(string)
	}
	if auth := c.GetHeader("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
	}
	return strings.TrimSpace(c.GetHeader("X-API-Key"))
}

func callerOf(c *gin.Context) client {
	if v, ok := c.Get(ctxKeyClient); ok {
		return v.(client)
	}
	return client{}
}

// fromLoopback reports whether r came from the machine itself: over a
// loopback connection (its TCP peer, not a forwarding header, which any
// client can write), and not forwarded there by a proxy on the machine,
// which would make every client local.
func fromLoopback(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// callerCachePolicy is what the request may do with the cache: what its
// Cache-Control header asks, but for no-cache, which replaces the entries
// every client reads and so would let any client retry until a bad output
// sits in the cache: only a caller with the refresh right gets it, others
// read through the cache as without the header. no-store, which neither
// reads nor writes, is anyone's.
func callerCachePolicy(c *gin.Context) gateway.CachePolicy {
	p := cachePolicy(c.GetHeader("Cache-Control"))
	if p.NoRead && !p.NoWrite && !callerOf(c).refresh {
		p.NoRead = false
	}
	return p
}

// requireAdmin lets only admin keys through.
func (h *handler) requireAdmin(c *gin.Context) {
	if !callerOf(c).admin {
		h.writeError(c, gateway.Errorf(codeForbidden, "this endpoint needs an admin key"))
		return
	}
	c.Next()
}

// limitRequests spends one request of the caller's per-minute allowance.
func (h *handler) limitRequests(c *gin.Context) {
	who := callerOf(c)
	if h.rulesOf(c).access.Limiter == nil || who.limits.RequestsPerMinute <= 0 {
		c.Next()
		return
	}
	d, ok := h.spend(c.Request.Context(), c, "rpm:"+who.name, quota.PerMinute(who.limits.RequestsPerMinute), 1)
	if !ok {
		if !c.IsAborted() {
			h.writeError(c, gateway.Errorf(codeRateLimited, "over %d requests a minute: retry in %s", who.limits.RequestsPerMinute, roundUp(d.RetryAfter)))
		}
		return
	}
	c.Next()
}

// limitBatchRequests spends, for a batch of n articles, the n-1 requests
// of the per-minute limit that limitRequests did not: each article costs
// what a request to its own endpoint costs. It returns false, having
// answered, when they do not fit.
func (h *handler) limitBatchRequests(c *gin.Context, n int) bool {
	who := callerOf(c)
	if h.rulesOf(c).access.Limiter == nil || who.limits.RequestsPerMinute <= 0 || n <= 1 {
		return true
	}
	if n > who.limits.RequestsPerMinute {
		// More than a minute's worth: no wait would ever let it through.
		h.writeError(c, gateway.Errorf(gateway.CodeTooLarge, "this batch's %d articles count as %d requests, over the %d a minute allowed to this client: send at most %d articles a batch",
			n, n, who.limits.RequestsPerMinute, who.limits.RequestsPerMinute))
		return false
	}
	d, ok := h.spend(c.Request.Context(), c, "rpm:"+who.name, quota.PerMinute(who.limits.RequestsPerMinute), n-1)
	if !ok {
		if !c.IsAborted() {
			h.writeError(c, gateway.Errorf(codeRateLimited, "this batch's %d articles count as %d requests, over the %d a minute allowed: retry in %s",
				n, n, who.limits.RequestsPerMinute, roundUp(d.RetryAfter)))
		}
		return false
	}
	return true
}

// limitCharacters spends characters of the caller's daily allowance; it
// returns false, having answered, when they do not fit.
func (h *handler) limitCharacters(c *gin.Context, characters int) bool {
	who := callerOf(c)
	d, checked, err := h.chargeCharacters(c.Request.Context(), h.rulesOf(c).access.Limiter, who, characters)
	if checked {
		setLimitHeaders(c, d, advertisesCharacters(who))
	}
	if err != nil {
		h.writeError(c, err)
		return false
	}
	return true
}

// characterCharge returns the gateway.Request.Charge of an article sent
// by c's caller: the gateway calls it with the characters of the article as
// it will be translated, whatever form it came in, before any provider is
// paid. It records them in *charged, for the kept reply to charge the same,
// and sets the reply's RateLimit-* (and Retry-After) headers: only for a
// request of one article, whose handler waits while the gateway calls it.
func (h *handler) characterCharge(c *gin.Context, charged *int) func(context.Context, int) error {
	who, limiter := callerOf(c), h.rulesOf(c).access.Limiter
	return func(ctx context.Context, characters int) error {
		*charged = characters
		d, checked, err := h.chargeCharacters(ctx, limiter, who, characters)
		if checked {
			setLimitHeaders(c, d, advertisesCharacters(who))
		}
		return err
	}
}

// chargeCharacters spends characters of who's daily allowance with limiter
// (the one of the rules the request started with), without touching a
// reply. It returns the limiter's decision, whether the limiter gave one,
// and the error the request gets when they do not fit: too_large when they
// never would, rate_limited when not today, quota_unavailable when they
// cannot be counted and the deployment refuses then.
func (h *handler) chargeCharacters(ctx context.Context, limiter quota.Limiter, who client, characters int) (quota.Decision, bool, error) {
	if limiter == nil || who.limits.CharactersPerDay <= 0 || characters == 0 {
		return quota.Decision{}, false, nil
	}
	if characters > who.limits.CharactersPerDay {
		// More than a day's worth: no wait would ever let it through.
		return quota.Decision{}, false, gateway.Errorf(gateway.CodeTooLarge, "these %d characters are over the %d a day allowed to this client: send less at a time",
			characters, who.limits.CharactersPerDay)
	}
	d, checked, err := h.allow(ctx, limiter, "cpd:"+who.name, quota.PerDay(who.limits.CharactersPerDay), characters)
	if err != nil {
		return d, checked, err
	}
	if !d.Allowed {
		return d, checked, &gateway.Error{Code: codeRateLimited, Err: errCharactersPerDay,
			Message: fmt.Sprintf("these %d characters are over the %d characters a day allowed: retry in %s",
				characters, who.limits.CharactersPerDay, roundUp(d.RetryAfter))}
	}
	return d, checked, nil
}

// errCharactersPerDay is the cause of a rate_limited refusal for the
// characters of the day, as opposed to the requests of the minute: a
// dialect whose service tells them apart (DeepL's 456) finds it with
// errors.Is.
var errCharactersPerDay = errors.New("the characters a day allowed are spent")

// advertisesCharacters tells whether the RateLimit-* headers of who's
// replies describe the characters a day: they describe one limit, the
// requests a minute when the key has one.
func advertisesCharacters(who client) bool { return who.limits.RequestsPerMinute <= 0 }

// spend asks the request's limiter and sets the RateLimit-* headers (and
// Retry-After when refused). When the limits cannot be asked and the
// deployment refuses then (auth.limits_on_outage: refuse), it refuses
// having answered 503 quota_unavailable itself: the caller finds the
// request aborted.
func (h *handler) spend(ctx context.Context, c *gin.Context, key string, limit quota.Limit, n int) (quota.Decision, bool) {
	d, checked, err := h.allow(ctx, h.rulesOf(c).access.Limiter, key, limit, n)
	if err != nil {
		h.writeError(c, err)
		return d, false
	}
	if checked {
		setLimitHeaders(c, d, true)
	}
	return d, d.Allowed
}

// allow asks limiter for n of key's limit, and reports whether it
// answered. A limiter that cannot be asked refuses with quota_unavailable
// when the deployment says so (quota.ErrUnavailable); one that fails
// otherwise lets the request through: limits must not turn an outage into
// one for every client.
func (h *handler) allow(ctx context.Context, limiter quota.Limiter, key string, limit quota.Limit, n int) (quota.Decision, bool, error) {
	d, err := limiter.AllowN(ctx, key, limit, n)
	if errors.Is(err, quota.ErrUnavailable) {
		return d, false, quotaUnavailable(err)
	}
	if err != nil {
		h.log.WarnContext(ctx, "rate limiter failed; request let through", "err", err)
		return quota.Decision{Allowed: true}, false, nil
	}
	return d, true, nil
}

// quotaUnavailable is the refusal of a request whose limits cannot be
// asked, when the deployment refuses then.
func quotaUnavailable(err error) error {
	return &gateway.Error{Code: codeQuotaUnavailable, Err: err,
		Message: fmt.Sprintf("the limits of this client cannot be checked now, and this gateway does not serve what it cannot count: retry in %s", quotaRetryAfter)}
}

// charactersSpent returns how many of who's characters a day are spent
// now, without spending any (quota.Peek), and the allowance; 0 and 0 for a
// client without one. A limiter that cannot be asked gives
// quota_unavailable when the deployment refuses then, and otherwise 0
// spent: what cannot be counted is not reported as spent.
func (h *handler) charactersSpent(ctx context.Context, limiter quota.Limiter, who client) (spent, allowance int, err error) {
	allowance = who.limits.CharactersPerDay
	if limiter == nil || allowance <= 0 {
		return 0, 0, nil
	}
	d, err := quota.Peek(ctx, limiter, "cpd:"+who.name, quota.PerDay(allowance))
	if errors.Is(err, quota.ErrUnavailable) {
		return 0, allowance, quotaUnavailable(err)
	}
	if err != nil {
		h.log.WarnContext(ctx, "rate limiter failed; usage reported as none", "err", err)
		return 0, allowance, nil
	}
	return min(allowance, max(0, allowance-d.Remaining)), allowance, nil
}

// setLimitHeaders describes d in the reply: the RateLimit-* headers when
// advertise is true, Retry-After whenever d is a refusal.
func setLimitHeaders(c *gin.Context, d quota.Decision, advertise bool) {
	if advertise {
		c.Header("RateLimit-Limit", strconv.Itoa(d.Limit))
		c.Header("RateLimit-Remaining", strconv.Itoa(d.Remaining))
		c.Header("RateLimit-Reset", strconv.Itoa(int(roundUp(d.ResetAfter).Seconds())))
	}
	if !d.Allowed {
		c.Header("Retry-After", strconv.Itoa(int(roundUp(d.RetryAfter).Seconds())))
	}
}

func roundUp(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return (d + time.Second - 1).Truncate(time.Second)
}
