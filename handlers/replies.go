package handlers

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// A kept reply is a short header, then the JSON body of a cache hit without
// its closing brace: the request that reads it appends its own timings.
//
//	"R1" | uvarint characters | uvarint len(provider) | provider | body
//
// characters is what the original request counted against a daily
// allowance; provider is for the access log.
const storedMagic = "R1"

type storedReply struct {
	characters int
	provider   string
	body       []byte // without its closing brace
}

func encodeStored(characters int, provider string, body []byte) []byte {
	out := make([]byte, 0, len(storedMagic)+2*binary.MaxVarintLen64+len(provider)+len(body))
	out = append(out, storedMagic...)
	out = binary.AppendUvarint(out, uint64(characters))
	out = binary.AppendUvarint(out, uint64(len(provider)))
	out = append(out, provider...)
	return append(out, body...)
}

func decodeStored(raw []byte) (storedReply, bool) {
	if len(raw) < len(storedMagic) || string(raw[:len(storedMagic)]) != storedMagic {
		return storedReply{}, false
	}
	raw = raw[len(storedMagic):]
	characters, n := binary.Uvarint(raw)
	if n <= 0 || characters > 1<<40 {
		return storedReply{}, false
	}
	raw = raw[n:]
	size, n := binary.Uvarint(raw)
	if n <= 0 || size > uint64(len(raw)-n) {
		return storedReply{}, false
	}
	raw = raw[n:]
	st := storedReply{characters: int(characters), provider: string(raw[:size]), body: raw[size:]}
	if len(st.body) < 2 || st.body[0] != '{' {
		return storedReply{}, false
	}
	return st, true
}

// storedBody renders a replayed result without timings and without the
// closing brace.
func storedBody(hit *gateway.Result, withTranslation bool) []byte {
	out := renderResult(hit, withTranslation)
	out.TimingsMS = nil
	raw, _ := json.Marshal(out)
	return raw[:len(raw)-1]
}

// replayedTimings closes a kept reply's body with the timings of the
// request that replays it, started at start.
func replayedTimings(start time.Time) []byte {
	tail := append(make([]byte, 0, 64), `,"timings_ms":{"total":`...)
	tail = strconv.AppendFloat(tail, ms(time.Since(start)), 'f', -1, 64)
	return append(tail, `,"translation":0}}`...)
}

// sendJSON sends v as a 200 reply whole, with its length, and flushes it:
// the client has its answer before the work that follows it in the handler
// (rendering the reply to keep) rather than when the handler returns.
func sendJSON(c *gin.Context, v any) {
	raw, err := json.Marshal(v)
	if err != nil { // not for the plain structs rendered here
		c.JSON(http.StatusOK, v)
		return
	}
	header := c.Writer.Header()
	header["Content-Type"] = valueJSON
	header.Set("Content-Length", strconv.Itoa(len(raw)))
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(raw)
	c.Writer.Flush()
}

// keepReply keeps res under key ("" keeps nothing) for the next request
// of the same bytes, when a later identical request would get the same
// answer from the cache. It is kept only if no reload came between the key
// and the result: the key names the configuration that made it.
func (h *handler) keepReply(ctx context.Context, replies *gateway.Replies, key string, res *gateway.Result, characters int, withTranslation bool) {
	hit, ok := res.Replay()
	if !ok || key == "" || h.gw.Replies() != replies {
		return
	}
	provider := ""
	if res.Translation != nil {
		provider = res.Translation.Provider
	}
	replies.Put(ctx, key, encodeStored(characters, provider, storedBody(hit, withTranslation)))
}

// serveStored answers from a kept reply, after the same checks as any
// request. It reports false when there is none (or it is unreadable): the
// request then goes the ordinary way.
func (h *handler) serveStored(c *gin.Context, replies *gateway.Replies, key string, start time.Time) bool {
	raw, ok := replies.Get(c.Request.Context(), key)
	if !ok {
		return false
	}
	st, ok := decodeStored(raw)
	if !ok {
		h.log.WarnContext(c.Request.Context(), "cache: ignoring an unreadable reply entry", "key", key)
		return false
	}
	if !h.limitCharacters(c, st.characters) {
		return true
	}
	c.Set(ctxKeyCache, gateway.CacheHit)
	if st.provider != "" {
		c.Set(ctxKeyProvider, st.provider)
	}
	tail := replayedTimings(start)
	header := c.Writer.Header()
	header["X-Cache"] = valueHit
	header["Content-Type"] = valueJSON
	header.Set("Content-Length", strconv.Itoa(len(st.body)+len(tail)))
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(st.body)
	_, _ = c.Writer.Write(tail)
	return true
}
