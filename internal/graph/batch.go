package graph

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// JSON batching (POST /v1.0/$batch): up to maxBatch requests in one JSON
// payload, each run through the full pipeline — token, throttle, route
// match, engine decision, handler — exactly as if it had been sent alone,
// so a batch can neither widen nor narrow what a token may do. A payload
// that cannot be parsed or breaks the batch's own rules (size, unique ids,
// dependsOn naming known requests without a cycle) fails as a whole with
// 400; otherwise the batch answers 200 and every request carries its own
// status, as Graph does (a 200 batch says nothing about its requests).
//
// Order: requests without dependsOn run concurrently (at most
// batchConcurrency at once, Outlook's per-mailbox limit for batches); a
// request with dependsOn runs after every request it names, and answers
// 424 Failed Dependency without running when one of them failed.

const (
	maxBatch         = 20
	batchConcurrency = 4
)

type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      json.RawMessage   `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// isBatch reports whether the request is POST {version}/$batch.
func isBatch(r *http.Request) (prefix string, ok bool) {
	p := r.URL.Path
	i := strings.LastIndex(p, "/")
	if i < 0 || !strings.EqualFold(p[i+1:], "$batch") {
		return "", false
	}
	prefix = p[:i]
	switch strings.ToLower(prefix) {
	case "/v1.0", "/beta":
		return prefix, true
	}
	return "", false
}

// batch serves POST /$batch. c has been authenticated: a batch without a
// valid token fails as a whole with the token's 401.
func (s *Server) batch(c *Call, prefix string) error {
	if c.r.Method != http.MethodPost {
		return errMethodNotAllowed()
	}
	var payload struct {
		Requests []batchRequest `json:"requests"`
	}
	b, err := c.Body()
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&payload); err != nil || payload.Requests == nil {
		return ErrBadRequest("Invalid batch payload format.")
	}
	reqs := payload.Requests
	if len(reqs) > maxBatch {
		return ErrBadRequest("Number of requests inside batch exceeds the limit.")
	}
	if len(reqs) == 0 {
		return ErrBadRequest("Invalid batch payload format: the batch has no requests.")
	}
	index := map[string]int{}
	for i, r := range reqs {
		switch {
		case strings.TrimSpace(r.ID) == "":
			return ErrBadRequest("Invalid batch payload format: request %d has no id.", i+1)
		case strings.TrimSpace(r.Method) == "":
			return ErrBadRequest("Invalid batch payload format: request '%s' has no method.", r.ID)
		case strings.TrimSpace(r.URL) == "":
			return ErrBadRequest("Invalid batch payload format: request '%s' has no url.", r.ID)
		}
		key := strings.ToLower(r.ID) // ids are case-insensitive
		if _, dup := index[key]; dup {
			return ErrBadRequest("Invalid batch payload format: the id '%s' is used by more than one request.", r.ID)
		}
		index[key] = i
		if len(r.Body) > 0 && !bytes.Equal(bytes.TrimSpace(r.Body), []byte("null")) && headerValue(r.Headers, "Content-Type") == "" {
			return ErrBadRequest("Invalid batch payload format: request '%s' has a body but no Content-Type header.", r.ID)
		}
	}
	deps := make([][]int, len(reqs))
	for i, r := range reqs {
		for _, d := range r.DependsOn {
			j, ok := index[strings.ToLower(d)]
			if !ok {
				return ErrBadRequest("Invalid batch payload format: request '%s' depends on '%s', which is not in the batch.", r.ID, d)
			}
			deps[i] = append(deps[i], j)
		}
	}
	if cyclic(deps) {
		return ErrBadRequest("Invalid batch payload format: the dependsOn references form a cycle.")
	}

	out := make([]batchResponse, len(reqs))
	done := make([]bool, len(reqs))
	for remaining := len(reqs); remaining > 0; {
		// Every request whose dependencies have all answered runs now.
		var ready []int
		for i := range reqs {
			if done[i] {
				continue
			}
			ok := true
			for _, j := range deps[i] {
				ok = ok && done[j]
			}
			if ok {
				ready = append(ready, i)
			}
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, batchConcurrency)
		for _, i := range ready {
			if failed := failedDependency(deps[i], out); failed >= 0 {
				out[i] = s.failedDependency(c, reqs[i].ID, reqs[failed].ID)
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer func() { <-sem; wg.Done() }()
				out[i] = s.runBatched(c, prefix, &reqs[i])
			}(i)
		}
		wg.Wait()
		for _, i := range ready {
			done[i] = true
		}
		remaining -= len(ready)
	}
	return c.JSON(http.StatusOK, map[string]any{"responses": out})
}

func failedDependency(deps []int, out []batchResponse) int {
	for _, j := range deps {
		if st := out[j].Status; st < 200 || st > 299 {
			return j
		}
	}
	return -1
}

func (s *Server) failedDependency(c *Call, id, dep string) batchResponse {
	rec := httptest.NewRecorder()
	e := NewErrorf(http.StatusFailedDependency, "FailedDependency", "The request was not run because request '%s', which it depends on, failed.", dep)
	e.write(rec, NewRequestID(), c.ClientRequestID, s.now())
	return batchResponse{ID: id, Status: http.StatusFailedDependency, Headers: map[string]string{"Content-Type": "application/json"}, Body: rec.Body.Bytes()}
}

// runBatched runs one request of the batch through the whole pipeline.
func (s *Server) runBatched(c *Call, prefix string, br *batchRequest) batchResponse {
	rec := httptest.NewRecorder()
	fail := func(e *Error) batchResponse {
		e.write(rec, NewRequestID(), c.ClientRequestID, s.now())
		return record(br.ID, rec)
	}
	u, err := url.Parse(strings.TrimSpace(br.URL))
	if err != nil || u.IsAbs() || u.Host != "" {
		return fail(ErrBadRequest("Invalid request URL '%s': a batched request's url is relative to the version, like /me/messages.", br.URL))
	}
	rel := u.Path
	if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	if _, nested := isBatch(&http.Request{URL: &url.URL{Path: prefix + rel}}); nested {
		return fail(ErrBadRequest("A batch cannot contain another batch."))
	}
	var body []byte
	if len(br.Body) > 0 && !bytes.Equal(bytes.TrimSpace(br.Body), []byte("null")) {
		body = br.Body
		var str string
		if json.Unmarshal(br.Body, &str) == nil {
			// A string body is base64 (images, files); JSON goes as is.
			if body, err = decodeAnyBase64(str); err != nil {
				return fail(ErrBadRequest("The body of request '%s' is a string but not base64.", br.ID))
			}
		}
	}
	inner, err := http.NewRequestWithContext(c.ctx, strings.ToUpper(br.Method), prefix+rel, bytes.NewReader(body))
	if err != nil {
		return fail(ErrBadRequest("Invalid request '%s': %s", br.ID, err))
	}
	inner.URL.RawQuery = u.RawQuery
	inner.Host, inner.TLS, inner.RemoteAddr = c.r.Host, c.r.TLS, c.r.RemoteAddr
	for _, h := range []string{"Authorization", "X-Forwarded-Proto", "X-Forwarded-Host", "client-request-id"} {
		if v := c.r.Header.Get(h); v != "" {
			inner.Header.Set(h, v)
		}
	}
	for k, v := range br.Headers {
		if strings.EqualFold(k, "Authorization") {
			continue // the batch's token is every request's token
		}
		inner.Header.Set(k, v)
	}
	s.serve(rec, inner)
	return record(br.ID, rec)
}

// record turns a recorded response into the batch's response object: JSON
// bodies inline, other bodies base64, as Graph does.
func record(id string, rec *httptest.ResponseRecorder) batchResponse {
	res := batchResponse{ID: id, Status: rec.Code, Headers: map[string]string{}}
	for k, vs := range rec.Header() {
		if len(vs) > 0 {
			res.Headers[k] = vs[0]
		}
	}
	b := rec.Body.Bytes()
	switch {
	case len(b) == 0:
	case strings.Contains(strings.ToLower(rec.Header().Get("Content-Type")), "json") && json.Valid(b):
		res.Body = bytes.TrimRight(b, "\n")
	default:
		enc, _ := json.Marshal(base64.StdEncoding.EncodeToString(b))
		res.Body = enc
	}
	return res
}

func decodeAnyBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// cyclic reports whether the dependsOn graph has a cycle.
func cyclic(deps [][]int) bool {
	state := make([]uint8, len(deps)) // 0 new, 1 on the stack, 2 done
	var visit func(int) bool
	visit = func(i int) bool {
		switch state[i] {
		case 1:
			return true
		case 2:
			return false
		}
		state[i] = 1
		for _, j := range deps[i] {
			if visit(j) {
				return true
			}
		}
		state[i] = 2
		return false
	}
	for i := range deps {
		if visit(i) {
			return true
		}
	}
	return false
}
