package handlers

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// A kept reply is the document of a reply (an encoded articleDocument)
// behind a short header:
//
//	"R2" | uvarint characters | uvarint len(provider) | provider | document
//
// characters is what the original request counted against a daily
// allowance; provider is for the access log. The header is read without
// parsing JSON and the document is sent as it was encoded, so that a repeat
// costs one cache read and no encoding of the article; the request that
// replays it adds its own requestFields (see replyWith). "R1" entries held
// the document without its closing brace: they are refused, not misread.
const storedMagic = "R2"

// keptReply is a reply kept for the next request of the same bytes.
type keptReply struct {
	characters int    // what the request that made it counted
	provider   string // the translating provider, for the access log
	document   []byte // an encoded articleDocument: a JSON object
}

func (k keptReply) encode() []byte {
	out := make([]byte, 0, len(storedMagic)+2*binary.MaxVarintLen64+len(k.provider)+len(k.document))
	out = append(out, storedMagic...)
	out = binary.AppendUvarint(out, uint64(k.characters))
	out = binary.AppendUvarint(out, uint64(len(k.provider)))
	out = append(out, k.provider...)
	return append(out, k.document...)
}

func decodeKept(raw []byte) (keptReply, bool) {
	if len(raw) < len(storedMagic) || string(raw[:len(storedMagic)]) != storedMagic {
		return keptReply{}, false
	}
	raw = raw[len(storedMagic):]
	characters, n := binary.Uvarint(raw)
	if n <= 0 || characters > 1<<40 {
		return keptReply{}, false
	}
	raw = raw[n:]
	size, n := binary.Uvarint(raw)
	if n <= 0 || size > uint64(len(raw)-n) {
		return keptReply{}, false
	}
	raw = raw[n:]
	k := keptReply{characters: int(characters), provider: string(raw[:size]), document: raw[size:]}
	if !isObject(k.document) {
		return keptReply{}, false
	}
	return k, true
}

// isObject tells whether raw has the outline of a JSON object as
// encoding/json writes one: braces at both ends, nothing around them.
func isObject(raw []byte) bool {
	return len(raw) >= 2 && raw[0] == '{' && raw[len(raw)-1] == '}'
}

// errNotObject: a part of a reply is not a JSON object.
var errNotObject = errors.New("a part of a reply is not a JSON object")

// replyWith returns the reply of an encoded document answered with own:
// the one JSON object holding the members of both, as json.Marshal of the
// articleResponse made of them writes it.
func replyWith(document []byte, own requestFields) ([]byte, error) {
	fields, err := json.Marshal(own)
	if err != nil {
		return nil, err
	}
	return joinObjects(document, fields)
}

// joinObjects returns the JSON object holding the members of the objects
// a and b, in that order. Each is a whole object, as encoding/json writes
// it: whatever their fields, the members of the one follow the other's.
func joinObjects(a, b []byte) ([]byte, error) {
	if !isObject(a) || !isObject(b) {
		return nil, errNotObject
	}
	out := make([]byte, 0, len(a)+len(b))
	out = append(out, a[:len(a)-1]...)
	if len(a) > 2 && len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

// replySlot is where the reply to one request's bytes is kept: nowhere
// when the gateway has no cache or the request says no-store.
type replySlot struct {
	replies *gateway.Replies // nil: nowhere
	key     string
	read    bool // a kept reply may answer the request (not under no-cache)
}

// newReplySlot returns the slot in replies of a request to endpoint of
// body, under the cache policy its caller may use.
func newReplySlot(replies *gateway.Replies, endpoint string, body []byte, policy gateway.CachePolicy) replySlot {
	if replies == nil || policy.NoWrite {
		return replySlot{}
	}
	return replySlot{replies: replies, key: replies.Key(endpoint, body), read: !policy.NoRead}
}

// replayed is a kept reply made into the reply of the request that reads
// it.
type replayed struct {
	characters int    // to charge before it is sent
	provider   string // for the access log
	body       []byte
}

// replay returns the kept reply that answers a request started at start,
// with the request's own fields, or false when there is none the request
// may read (or it is unreadable): the request then goes the ordinary way.
// The caller charges its characters before sending it.
func (h *handler) replay(ctx context.Context, slot replySlot, start time.Time) (replayed, bool) {
	if slot.replies == nil || !slot.read {
		return replayed{}, false
	}
	raw, ok := slot.replies.Get(ctx, slot.key)
	if !ok {
		return replayed{}, false
	}
	k, ok := decodeKept(raw)
	if !ok {
		h.unreadableReply(ctx, slot)
		return replayed{}, false
	}
	// replyWith writes a new slice: the stored value may be shared with
	// the cache's other readers.
	body, err := replyWith(k.document, requestFields{TimingsMS: timingsBody{Total: ms(time.Since(start))}})
	if err != nil {
		h.unreadableReply(ctx, slot)
		return replayed{}, false
	}
	return replayed{characters: k.characters, provider: k.provider, body: body}, true
}

// unreadableReply logs a kept reply passed over: the request goes the
// ordinary way, and its reply replaces the entry.
func (h *handler) unreadableReply(ctx context.Context, slot replySlot) {
	h.log.WarnContext(ctx, "cache: ignoring an unreadable reply entry", "key", slot.key)
}

// sendReplayed answers c with r, once its characters are charged.
func (h *handler) sendReplayed(c *gin.Context, r replayed) {
	if !h.limitCharacters(c, r.characters) {
		return
	}
	c.Set(ctxKeyCache, gateway.CacheHit)
	if r.provider != "" {
		c.Set(ctxKeyProvider, r.provider)
	}
	header := c.Writer.Header()
	header["X-Cache"] = valueHit
	header["Content-Type"] = valueJSON
	header.Set("Content-Length", strconv.Itoa(len(r.body)))
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(r.body)
}

// keepReply keeps the reply t makes of res in slot, for the next request
// of the same bytes, when a later identical request would get the same
// answer from the cache. It is kept only if no reload came between the
// slot and the result: the key names the configuration that made it.
func (h *handler) keepReply(ctx context.Context, slot replySlot, t task, res *gateway.Result, characters int) {
	hit, ok := res.Replay()
	if !ok || slot.replies == nil || h.gw.Replies() != slot.replies {
		return
	}
	document, err := json.Marshal(t.document(hit))
	if err != nil { // not for the plain structs rendered here
		return
	}
	k := keptReply{characters: characters, document: document}
	if res.Translation != nil {
		k.provider = res.Translation.Provider
	}
	slot.replies.Put(ctx, slot.key, k.encode())
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
