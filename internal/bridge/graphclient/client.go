package graphclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// TokenFunc returns a bearer token for the next request.
type TokenFunc func(ctx context.Context) (string, error)

// maxAnswer bounds an answer the client reads (Graph's pages are far
// smaller: 999 items at most).
const maxAnswer = 32 << 20

// ErrAnswerTooLarge is returned for an answer over 32 MiB, which is not
// decoded.
var ErrAnswerTooLarge = errors.New("graph: the answer is larger than 32 MiB")

// Options configure a Client.
type Options struct {
	// BaseURL is Graph's root, e.g. https://graph.microsoft.com/v1.0.
	BaseURL string
	// HTTPClient is the transport (custom CA); its Timeout bounds each try.
	HTTPClient *http.Client
	Token      TokenFunc
	Logger     *slog.Logger
	// RetryMax is the number of retries (default 4); RetryWaitMin and
	// RetryWaitMax bound the exponential back-off (default 1s and 30s).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter caps an honoured Retry-After (default 2 minutes).
	MaxRetryAfter time.Duration
	// UserAgent is sent with every request.
	UserAgent string
}

// Client calls Graph. It is safe for concurrent use.
type Client struct {
	base  string
	rc    *retryablehttp.Client
	token TokenFunc
	log   *slog.Logger
	ua    string
}

// New builds a client.
func New(o Options) *Client {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	rc := NewRetryClient(o.HTTPClient, o.Logger, o.RetryMax, o.RetryWaitMin, o.RetryWaitMax, o.MaxRetryAfter)
	return &Client{base: strings.TrimRight(o.BaseURL, "/"), rc: rc, token: o.Token, log: o.Logger, ua: o.UserAgent}
}

// NewRetryClient is go-retryablehttp configured with Graph's policy; the
// identity platform's calls use it too (StandardClient), so a throttled
// token endpoint is waited for as well.
func NewRetryClient(hc *http.Client, log *slog.Logger, retryMax int, waitMin, waitMax, maxRetryAfter time.Duration) *retryablehttp.Client {
	if retryMax == 0 {
		retryMax = 4
	}
	if waitMin == 0 {
		waitMin = time.Second
	}
	if waitMax == 0 {
		waitMax = 30 * time.Second
	}
	if maxRetryAfter == 0 {
		maxRetryAfter = 2 * time.Minute
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = hc
	rc.Logger = nil
	rc.RetryMax = retryMax
	rc.RetryWaitMin, rc.RetryWaitMax = waitMin, waitMax
	rc.CheckRetry = checkRetry(maxRetryAfter)
	rc.Backoff = backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = func(_ retryablehttp.Logger, r *http.Request, attempt int) {
		if attempt > 0 {
			log.Debug("graph retry", "method", r.Method, "path", r.URL.Path, "attempt", attempt)
		}
	}
	return rc
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func throttled(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// checkRetry is Graph's retry policy (see the package comment).
func checkRetry(maxRetryAfter time.Duration) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		idempotent := true
		if resp != nil && resp.Request != nil {
			m := resp.Request.Method
			idempotent = m == http.MethodGet || m == http.MethodDelete || m == http.MethodPut || m == http.MethodHead
		}
		if err != nil {
			// A connection error: retryablehttp's base policy knows the
			// permanent ones (TLS trust, bad scheme).
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		}
		code := resp.StatusCode
		if d, ok := retryAfter(resp); ok && throttled(code) && d > maxRetryAfter {
			return false, nil // the caller sees *Error with RetryAfter
		}
		switch {
		case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
			return true, nil
		case code >= 500 && code != http.StatusNotImplemented:
			return idempotent, nil
		}
		return false, nil
	}
}

// backoff honours Retry-After on throttling answers, else doubles from min
// with ±25% jitter up to max.
func backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && throttled(resp.StatusCode) {
		if d, ok := retryAfter(resp); ok {
			return d
		}
	}
	d := min << uint(attempt)
	if d <= 0 || d > max {
		d = max
	}
	j := time.Duration(float64(d) * (0.75 + rand.Float64()/2))
	if j > max {
		j = max
	}
	return j
}

// Error is a Graph error: the HTTP status and Graph's error code and
// message ({"error":{"code":…,"message":…}}).
type Error struct {
	Status     int           `json:"status"`
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	RequestID  string        `json:"request_id,omitempty"`
	RetryAfter time.Duration `json:"-"`
	// Method and Path are the call's (the path without its query).
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Decision is graphgate's x-graphgate-decision header, when the Graph
	// that answered is graphgate's: why the call was refused.
	Decision string `json:"decision,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("graph %d %s: %s", e.Status, e.Code, e.Message)
}

// IsStatus reports whether err is a Graph error with one of the statuses.
func IsStatus(err error, statuses ...int) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range statuses {
		if e.Status == s {
			return true
		}
	}
	return false
}

// Query is an ordered set of query options. Encode keeps the OData option
// names readable ($filter, not %24filter) and encodes spaces as %20.
type Query [][2]string

// Add appends an option (an empty value is skipped).
func (q Query) Add(k, v string) Query {
	if v == "" {
		return q
	}
	return append(q, [2]string{k, v})
}

// Encode renders the query string.
func (q Query) Encode() string {
	var b strings.Builder
	for i, kv := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[0])
		b.WriteByte('=')
		b.WriteString(escapeValue(kv[1]))
	}
	return b.String()
}

// escapeValue percent-encodes a query value, keeping the characters an
// OData expression is read with (quotes, parentheses, commas, slashes,
// colons) as they are; space is %20.
func escapeValue(s string) string {
	const keep = "-._~!$'()*,;:@/"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Get is Do with GET.
func (c *Client) Get(ctx context.Context, path string, q Query, out any) error {
	return c.Do(ctx, http.MethodGet, path, q, nil, out)
}

// Do sends one request: path is relative to the base URL (a full URL, such as
// an @odata.nextLink, is used as is); body, when not nil, is sent as JSON; a
// JSON answer is decoded into out when out is not nil.
func (c *Client) Do(ctx context.Context, method, path string, q Query, body, out any) error {
	u := path
	if !strings.HasPrefix(path, "https://") && !strings.HasPrefix(path, "http://") {
		u = c.base + "/" + strings.TrimLeft(path, "/")
	}
	if len(q) > 0 {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + q.Encode()
	}
	var raw any
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		raw = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, raw)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Prefer", `outlook.timezone="UTC"`)
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	if c.token != nil {
		tok, err := c.token(ctx)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	start := time.Now()
	resp, err := c.rc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, redact(u), err)
	}
	defer resp.Body.Close()
	// One byte beyond the limit tells an answer over it from one of
	// exactly its size: a longer answer is an error, never cut and decoded.
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, redact(u), err)
	}
	if len(data) > maxAnswer {
		return fmt.Errorf("%s %s: %w", method, redact(u), ErrAnswerTooLarge)
	}
	c.log.Debug("graph", "method", method, "url", redact(u), "status", resp.StatusCode, "elapsed", time.Since(start).Round(time.Millisecond))
	if resp.StatusCode >= 300 {
		e := decodeError(resp, data)
		e.Method = method
		if resp.Request != nil {
			e.Path = resp.Request.URL.Path
		}
		e.Decision = resp.Header.Get("x-graphgate-decision")
		return e
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, redact(u), err)
		}
	}
	return nil
}

func decodeError(resp *http.Response, data []byte) *Error {
	var body struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	_ = json.Unmarshal(data, &body)
	e := &Error{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message, RequestID: body.Error.InnerError.RequestID}
	if e.Code == "" {
		e.Code = strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "")
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(data))
		if len(e.Message) > 300 {
			e.Message = e.Message[:300]
		}
		if e.Message == "" {
			e.Message = resp.Status
		}
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("request-id")
	}
	if d, ok := retryAfter(resp); ok {
		e.RetryAfter = d
	}
	return e
}

// redact drops the query values of a URL for logs (they may hold addresses
// and search terms).
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.RawQuery == "" {
		return u
	}
	keys := make([]string, 0)
	for k := range p.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	p.RawQuery = strings.Join(keys, "&")
	return p.String()
}

// List follows @odata.nextLink pages into out (a pointer to a slice) until
// max items (0: all pages).
func List[T any](ctx context.Context, c *Client, path string, q Query, max int) ([]T, error) {
	var all []T
	next := path
	for next != "" {
		var page struct {
			Value    []T    `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if err := c.Get(ctx, next, q, &page); err != nil {
			return all, err
		}
		q = nil
		all = append(all, page.Value...)
		if max > 0 && len(all) >= max {
			return all[:max], nil
		}
		next = page.NextLink
	}
	return all, nil
}
