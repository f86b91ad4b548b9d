package report

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// harEntry is the part of a HAR 1.2 entry the report reads. Bodies are
// kept as raw JSON strings and decoded only for $batch requests.
type harEntry struct {
	StartedDateTime string `json:"startedDateTime"`
	Request         struct {
		Method   string      `json:"method"`
		URL      string      `json:"url"`
		Headers  []harHeader `json:"headers"`
		PostData *struct {
			Text     json.RawMessage `json:"text"`
			Encoding string          `json:"encoding"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []harHeader `json:"headers"`
		Content struct {
			Text     json.RawMessage `json:"text"`
			Encoding string          `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func header(hs []harHeader, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// ErrNotHAR is wrapped by ReadHAR's error for input that is not a HAR
// file.
var ErrNotHAR = errors.New("not a HAR file")

// Bounds of what ReadHAR decodes.
const (
	// maxBatchBody is Graph's limit on a request body (4 MB): a larger
	// $batch body is not one Graph would have taken.
	maxBatchBody = 4 << 20
	// maxBatchResponse bounds the $batch response read for statuses.
	maxBatchResponse = 64 << 20
	// maxTokens bounds the decoded tokens kept (a recording reuses a few).
	maxTokens = 256
)

// ReadHAR reads a HAR 1.2 file (browser DevTools, Dev Proxy and Fiddler
// export it) into sink, one entry at a time: each entry's request method
// and URL, response status, request-id and start time, and what its
// bearer token says (inspectToken: read without verification). A $batch
// request is unpacked into its requests, each with its status from the
// batch response when the file holds it. Entries of other hosts are calls
// too, which the Builder lists as unplaced. Memory holds one entry at a
// time. It fails only when the input is not a HAR file, a read fails or
// ctx ends.
func ReadHAR(ctx context.Context, r io.Reader, sink Sink) error {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return fmt.Errorf("%w: %v", ErrNotHAR, err)
	}
	sawLog := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotHAR, err)
		}
		if key != "log" {
			if err := skip(dec); err != nil {
				return fmt.Errorf("%w: %v", ErrNotHAR, err)
			}
			continue
		}
		sawLog = true
		if err := readLog(ctx, dec, sink); err != nil {
			return err
		}
	}
	if !sawLog {
		return fmt.Errorf("%w: no \"log\" object", ErrNotHAR)
	}
	return nil
}

func readLog(ctx context.Context, dec *json.Decoder, sink Sink) error {
	if err := expectDelim(dec, '{'); err != nil {
		return fmt.Errorf("%w: log: %v", ErrNotHAR, err)
	}
	tokens := map[string]tokenFacts{}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotHAR, err)
		}
		if key != "entries" {
			if err := skip(dec); err != nil {
				return fmt.Errorf("%w: %v", ErrNotHAR, err)
			}
			continue
		}
		if err := expectDelim(dec, '['); err != nil {
			return fmt.Errorf("%w: log.entries: %v", ErrNotHAR, err)
		}
		for n := 1; dec.More(); n++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			var e harEntry
			if err := dec.Decode(&e); err != nil {
				return fmt.Errorf("%w: entry %d: %v", ErrNotHAR, n, err)
			}
			harCall(&e, n, tokens, sink)
		}
		if _, err := dec.Token(); err != nil {
			return fmt.Errorf("%w: %v", ErrNotHAR, err)
		}
	}
	_, err := dec.Token()
	return err
}

// harCall gives one entry's call (or its $batch requests) to sink.
func harCall(e *harEntry, n int, tokens map[string]tokenFacts, sink Sink) {
	c := Call{Method: strings.ToUpper(e.Request.Method), URL: e.Request.URL, Status: e.Response.Status, Where: "entry " + strconv.Itoa(n)}
	if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
		c.Time = t
	}
	c.RequestID = header(e.Response.Headers, "request-id")
	if c.RequestID == "" {
		c.RequestID = header(e.Request.Headers, "client-request-id")
	}
	if auth := header(e.Request.Headers, "Authorization"); auth != "" {
		f, ok := tokens[auth]
		if !ok {
			f = inspectToken(auth)
			if len(tokens) < maxTokens {
				tokens[auth] = f
			}
		}
		if f.ok {
			c.AppID, c.Scheme, c.Granted, c.GrantKnown, c.User = f.app, f.scheme, f.granted, true, f.user
		}
	}
	if c.Method == "POST" {
		if path, version, err := graphPath(c.URL, nil); err == nil {
			if bare, _, _ := strings.Cut(path, "?"); strings.EqualFold(bare, "/$batch") {
				unpackBatch(e, c, version, sink)
				return
			}
		}
	}
	sink.Add(c)
}

// batchRequests is a JSON batch request body.
type batchRequests struct {
	Requests []struct {
		ID     string `json:"id"`
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"requests"`
}

// batchResponses is a JSON batch response body (statuses only).
type batchResponses struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
	} `json:"responses"`
}

// unpackBatch gives each request of a $batch entry to sink as a call of
// its own, with the batch's token and its own status.
func unpackBatch(e *harEntry, batch Call, version string, sink Sink) {
	var body []byte
	var err error
	if e.Request.PostData != nil {
		body, err = bodyText(e.Request.PostData.Text, e.Request.PostData.Encoding, maxBatchBody)
	}
	var reqs batchRequests
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, &reqs)
	}
	if err != nil || len(body) == 0 || len(reqs.Requests) == 0 {
		why := "the HAR entry has no request body"
		if err != nil {
			why = "its body is not a JSON batch: " + err.Error()
		} else if len(body) > 0 {
			why = "its body holds no requests"
		}
		sink.Unplaced(batch.Method, batch.URL, UnplacedBatch, "a $batch request whose calls cannot be read: "+why, batch.Where)
		return
	}
	statuses := map[string]int{}
	ids := map[string]string{}
	if out, err := bodyText(e.Response.Content.Text, e.Response.Content.Encoding, maxBatchResponse); err == nil && len(out) > 0 {
		var resps batchResponses
		if json.Unmarshal(out, &resps) == nil {
			for _, r := range resps.Responses {
				statuses[r.ID] = r.Status
				for k, v := range r.Headers {
					if strings.EqualFold(k, "request-id") {
						ids[r.ID] = v
					}
				}
			}
		}
	}
	base := batch.URL
	if i := strings.Index(strings.ToLower(base), "/"+version+"/"); i >= 0 {
		base = base[:i+len(version)+1]
	}
	for i, r := range reqs.Requests {
		c := batch
		c.Where = fmt.Sprintf("%s, $batch request %d", batch.Where, i+1)
		if r.ID != "" {
			c.Where = fmt.Sprintf("%s, $batch request %q", batch.Where, r.ID)
		}
		if r.Method == "" || r.URL == "" {
			sink.Unplaced(r.Method, r.URL, UnplacedInBatch, "a $batch request needs a method and a url", c.Where)
			continue
		}
		c.Method = strings.ToUpper(r.Method)
		c.URL = r.URL
		if !strings.Contains(r.URL, "://") {
			c.URL = base + "/" + strings.TrimPrefix(r.URL, "/")
		}
		c.Status = statuses[r.ID]
		c.RequestID = batch.RequestID
		if id := ids[r.ID]; id != "" {
			c.RequestID = id
		}
		sink.Add(c)
	}
}

// bodyText decodes a HAR body: a JSON string, base64-encoded when
// encoding says so, of at most max bytes.
func bodyText(raw json.RawMessage, encoding string, max int) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) > 2*max+2 {
		return nil, fmt.Errorf("longer than %d bytes", max)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	b := []byte(s)
	if strings.EqualFold(encoding, "base64") {
		d, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		b = d
	}
	if len(b) > max {
		return nil, fmt.Errorf("longer than %d bytes", max)
	}
	return b, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, t)
	}
	return nil
}

// skip reads past one JSON value.
func skip(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}
