package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/graphpath"
	"graphgate/internal/odata"
	"graphgate/internal/routes"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// Call is one Graph request on its way through the pipeline: who calls,
// which rule matched, what the target is, and what the engine decided.
// Handlers read it and write the response through it.
type Call struct {
	s   *Server
	w   http.ResponseWriter
	r   *http.Request
	ctx context.Context

	RequestID, ClientRequestID string

	Claims    *tokens.AccessClaims
	Principal *authz.Principal
	// Caller is the signed-in user (nil for app-only tokens). It points
	// into the Call (caller), which serve recycles: nothing may keep it
	// beyond the request.
	Caller *store.User
	caller store.User
	// TenantID is the token's tenant: every object read or written is in it.
	TenantID string

	Match    routes.Match
	Decision authz.Decision
	// endpoint is the descriptor serving the request (nil for a route
	// graphgate does not serve).
	endpoint *Endpoint

	// TargetUser, TargetGroup are the objects the path names (/me, /users/x,
	// /groups/x), when it names one.
	TargetUser  *store.User
	TargetGroup *store.Group
	target      authz.Target
	// targetDrive is the drive /drives/{id} names, resolved with its owner
	// by the files workload (FilesHooks.Drive).
	targetDrive any

	path   graphpath.Path
	params []string
	// paramsBuf holds params for paths of up to four {id}s (GET /me's
	// one): no allocation for them. It is in the recycled Call, so params
	// must not be kept beyond the request either.
	paramsBuf [4]string
	wrote     bool

	// ctxValues are the context URL's values the handler supplied
	// (SetContextValue), name and value in turn.
	ctxValues []string

	// countOnly is set for GET …/$count: the collection answers its size
	// as text/plain.
	countOnly bool
	// expand is the request's parsed $expand, once expandParsed.
	expand       []odata.ExpandItem
	expandParsed bool
}

// Context is the request's context.
func (c *Call) Context() context.Context { return c.ctx }

// Request is the HTTP request.
func (c *Call) Request() *http.Request { return c.r }

// Param returns the i-th path parameter ({id} segments, in order). A /me
// path counts "me" as parameter 0, like the {id} of its /users/{id} twin, so
// one handler serves both.
func (c *Call) Param(i int) string {
	if i < len(c.params) {
		return c.params[i]
	}
	return ""
}

// JSON writes v with status.
func (c *Call) JSON(status int, v any) error {
	c.w.Header()["Content-Type"] = jsonContentType
	c.w.WriteHeader(status)
	c.wrote = true
	enc := json.NewEncoder(c.w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// RawJSON writes JSON the handler encoded itself (compact, valid), without
// the second pass through an Encoder that JSON makes.
func (c *Call) RawJSON(status int, b []byte) error {
	c.w.Header()["Content-Type"] = jsonContentType
	c.w.WriteHeader(status)
	c.wrote = true
	_, err := c.w.Write(append(b, '\n'))
	return err
}

var jsonContentType = []string{"application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"}

// NoContent answers 204.
func (c *Call) NoContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	c.wrote = true
	return nil
}

// Accepted answers 202 (sendMail, setPresence).
func (c *Call) Accepted() error {
	c.w.WriteHeader(http.StatusAccepted)
	c.wrote = true
	return nil
}

// Raw writes bytes with a content type (file content, photos).
func (c *Call) Raw(status int, contentType string, b []byte) error {
	c.w.Header().Set("Content-Type", contentType)
	c.w.WriteHeader(status)
	c.wrote = true
	_, err := c.w.Write(b)
	return err
}

// maxBody bounds a request body, as sent and once decompressed: Graph
// limits a request to 4 MB (the add-attachment and small-upload references
// send anything larger through an upload session), and a gzip body counts
// by what it decompresses to.
const maxBody = 4 << 20

// errTooLarge is Graph's 413 for a body over maxBody. Microsoft's error
// reference gives 413 the status text Request Entity Too Large and no
// error code of its own; the code is that name without spaces (what SDKs
// report, e.g. the PowerShell SDK's "Status: RequestEntityTooLarge"), the
// message the reference's description of 413, with the limit and the way
// around it.
func errTooLarge() *Error {
	return NewErrorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
		"The request size exceeds the maximum limit of %d bytes (a gzip body counts decompressed); files larger than that go through an upload session (createUploadSession).", maxBody)
}

// Body reads the request body, decoding gzip (msgraph-sdk-go compresses
// POST bodies). A body over maxBody, before or after decompression, is
// refused whole with 413: it is never cut to the limit and used.
func (c *Call) Body() ([]byte, error) {
	var rd io.Reader = http.MaxBytesReader(c.w, c.r.Body, maxBody)
	if strings.EqualFold(c.r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, ErrBadRequest("The request body is not valid gzip.")
		}
		defer zr.Close()
		// One byte beyond the limit tells a body over it from one of
		// exactly its size; decompression stops there, so a bomb costs
		// at most maxBody+1 bytes.
		rd = io.LimitReader(zr, maxBody+1)
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errTooLarge()
		}
		return nil, ErrBadRequest("The request body could not be read.")
	}
	if len(b) > maxBody {
		return nil, errTooLarge()
	}
	return b, nil
}

// ReadJSON decodes a request body whose type the schema does not describe
// (graphModel) into dst, converting primitives as Graph's reader does by
// the Go type they land in ("false" into a bool; see odata.DecodeJSON),
// and answering Graph's 400 for an empty or malformed body in the
// workload's wording.
func (c *Call) ReadJSON(dst any) error {
	b, err := c.jsonBody()
	if err != nil {
		return err
	}
	return odata.DecodeJSON(b, dst, c.bodyReader())
}

// ReadBody decodes a request body of the Graph type bt into dst, read as
// Graph reads it: names and enumeration members matched ignoring case,
// primitives converted to their declared types, @odata.type and
// undeclared properties checked (odata.Model.NormalizeBody).
func (c *Call) ReadBody(dst any, bt BodyType) error {
	b, err := c.jsonBody()
	if err != nil {
		return err
	}
	nb, err := graphModel().NormalizeBody(b, bt.typ(), bt.opts)
	if err != nil {
		return err
	}
	return odata.DecodeJSON(nb, dst, bt.opts)
}

// jsonBody reads a body that must hold JSON.
func (c *Call) jsonBody() ([]byte, error) {
	b, err := c.Body()
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ErrBadRequest("Empty Payload. JSON content expected.")
	}
	return b, nil
}

// bodyReader is the wording of the workload serving the request.
func (c *Call) bodyReader() odata.BodyOptions {
	switch c.s.workloadOf(&c.Decision) {
	case WorkloadExchange:
		return ExchangeReader
	case WorkloadDirectory:
		return DirectoryReader
	}
	return odata.BodyOptions{Flavor: odata.Generic}
}

// BaseURL is scheme://host/v1.0 (or /beta) of the request, for @odata links.
func (c *Call) BaseURL() string {
	scheme, host, version := c.baseParts()
	return scheme + "://" + host + "/" + version
}

// baseParts are BaseURL's parts, for callers that append to it in the same
// concatenation (one allocation).
func (c *Call) baseParts() (scheme, host, version string) {
	scheme = "https"
	if c.r.TLS == nil {
		scheme = "http"
	}
	host = c.r.Host
	if c.s.cfg.TrustForwarded {
		if p := c.r.Header.Get("X-Forwarded-Proto"); p != "" {
			scheme = p
		}
		if h := c.r.Header.Get("X-Forwarded-Host"); h != "" {
			host = h
		}
	}
	version = "v1.0"
	if strings.HasPrefix(strings.ToLower(c.r.URL.Path), "/beta") {
		version = "beta"
	}
	return scheme, host, version
}

func (c *Call) fail(err error) {
	ge := AsError(err)
	if errors.Is(ge, store.ErrInvalidText) {
		ge = c.errNUL(err)
	}
	if ge.Status >= 500 {
		attrs := []slog.Attr{slog.String("path", c.r.URL.Path), slog.String("request_id", c.RequestID), slog.Any("err", err)}
		if cause := errors.Unwrap(ge); cause != nil {
			attrs = append(attrs, slog.Any("cause", cause))
		}
		c.s.log.LogAttrs(c.ctx, slog.LevelError, "graph request failed", attrs...)
	}
	if c.wrote {
		return
	}
	ge.write(c.w, c.RequestID, c.ClientRequestID, c.s.now())
}

// extractParams appends the {id} values of the request path, aligned with
// the matched route's template, to out.
func extractParams(out []string, m routes.Match, p *graphpath.Path) []string {
	tmpl := m.Route.Segments()
	i := 0
	switch {
	case m.MeFallback:
		// /me/x matched /users/{id}/x: "me" stands for the {id}.
		out = append(out, "me")
		tmpl = tmpl[2:]
		i = 1
	case m.Me:
		// /me/x has its own rule: "me" is still parameter 0, so handlers
		// index parameters the same way for /me and /users/{id}.
		out = append(out, "me")
		tmpl = tmpl[1:]
		i = 1
	}
	for t := 0; t < len(tmpl) && i < p.N; t++ {
		switch seg := tmpl[t]; {
		case seg == "...":
			// Skip as many request segments as needed to align the rest.
			i = p.N - (len(tmpl) - t - 1) - stripped(m)
		case seg == "{id}" || seg == "{id}:":
			out = append(out, p.Orig(i))
			i++
		default:
			i++
		}
	}
	return out
}

func stripped(m routes.Match) int { return m.Stripped }

// decodePath unescapes a request path for the path parser and the route
// table. Both end a path at '?' or '#', so where the client escaped one
// inside a segment (a drive item "a?.txt" in root:/a%3F.txt:/content) it
// stays escaped, with '%' itself as %25, and kept reports it: the
// parameters are then read back with keptUnescaper.
func decodePath(escaped string) (path string, kept bool) {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return escaped, false
	}
	if escapedDelimiter(escaped) < 0 {
		return p, false
	}
	var b strings.Builder
	for rest := escaped; rest != ""; {
		piece, sep := rest, ""
		if i := escapedDelimiter(rest); i >= 0 {
			piece, sep, rest = rest[:i], strings.ToUpper(rest[i:i+3]), rest[i+3:]
		} else {
			rest = ""
		}
		p, _ := url.PathUnescape(piece) // pieces of a valid path are valid
		b.WriteString(keptEscaper.Replace(p))
		b.WriteString(sep)
	}
	return b.String(), true
}

// escapedDelimiter is the index of the first %3F or %23 (any case) in s,
// or -1.
func escapedDelimiter(s string) int {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && (s[i+1] == '3' && (s[i+2] == 'f' || s[i+2] == 'F') || s[i+1] == '2' && s[i+2] == '3') {
			return i
		}
	}
	return -1
}

// keptEscaper and keptUnescaper escape and read back what decodePath
// keeps escaped.
var (
	keptEscaper   = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")
	keptUnescaper = strings.NewReplacer("%3F", "?", "%23", "#", "%25", "%")
)

func asMatchError(err error, dst **routes.MatchError) bool { return errors.As(err, dst) }
