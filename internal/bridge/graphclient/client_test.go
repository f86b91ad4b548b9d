package graphclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newTest(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return New(Options{BaseURL: srv.URL + "/v1.0", HTTPClient: srv.Client(), RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond,
		Token: func(context.Context) (string, error) { return "tok", nil }})
}

func TestRetryAfterHonoured(t *testing.T) {
	var n atomic.Int32
	var first time.Time
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Prefer") != `outlook.timezone="UTC"` {
			t.Errorf("headers %v", r.Header)
		}
		if r.URL.RawQuery != "$top=1&$filter=displayName%20eq%20'Inbox'" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		if n.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"slow down"}}`))
			return
		}
		if time.Since(first) < 900*time.Millisecond {
			t.Errorf("retried after %s, before Retry-After", time.Since(first))
		}
		_, _ = w.Write([]byte(`{"value":[{"id":"x"}]}`))
	})
	var out struct {
		Value []struct{ ID string } `json:"value"`
	}
	if err := c.Get(context.Background(), "/me/mailFolders", Query{}.Add("$top", "1").Add("$filter", "displayName eq 'Inbox'"), &out); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 || len(out.Value) != 1 {
		t.Errorf("%d calls, %v", n.Load(), out)
	}
}

func TestServerErrorsBackOffButPostIsNotRepeated(t *testing.T) {
	var gets, posts atomic.Int32
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		} else if gets.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":{"code":"generalException","message":"boom"}}`))
			return
		}
		_, _ = w.Write([]byte(`{}`))
	})
	if err := c.Get(context.Background(), "/me", nil, nil); err != nil || gets.Load() != 3 {
		t.Errorf("GET after two 502s: %v, %d calls", err, gets.Load())
	}
	err := c.Do(context.Background(), http.MethodPost, "/me/sendMail", nil, map[string]string{"a": "b"}, nil)
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 500 || ge.Code != "generalException" || ge.Message != "boom" || posts.Load() != 1 {
		t.Errorf("POST 500: %v (%d calls)", err, posts.Load())
	}
}

func TestLongRetryAfterIsReturned(t *testing.T) {
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	err := c.Get(context.Background(), "/me", nil, nil)
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 503 || ge.RetryAfter != time.Hour {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(ge.Error(), "503") {
		t.Errorf("message %q", ge.Error())
	}
}

func TestListFollowsNextLink(t *testing.T) {
	var srvURL string
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			_, _ = w.Write([]byte(`{"value":[{"id":"3"}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"` + srvURL + `/v1.0/items?page=2"}`))
	})
	srvURL = strings.TrimSuffix(c.base, "/v1.0")
	items, err := List[struct{ ID string }](context.Background(), c, "/items", nil, 0)
	if err != nil || len(items) != 3 {
		t.Fatalf("%v %v", items, err)
	}
	items, _ = List[struct{ ID string }](context.Background(), c, "/items", nil, 2)
	if len(items) != 2 {
		t.Errorf("max 2: %v", items)
	}
}

// TestAnswerLimit: an answer of up to 32 MiB is decoded; a longer one is
// an error (ErrAnswerTooLarge), never cut at the limit and decoded.
func TestAnswerLimit(t *testing.T) {
	for _, c := range []struct {
		name string
		size int
		err  error
	}{
		{"exactly the limit", maxAnswer, nil},
		{"one byte over", maxAnswer + 1, ErrAnswerTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := `{"id":"x"}`
			cl := newTest(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(body + strings.Repeat(" ", c.size-len(body))))
			})
			var out struct{ ID string }
			err := cl.Get(context.Background(), "/me", Query{}, &out)
			if !errors.Is(err, c.err) || c.err == nil && out.ID != "x" {
				t.Errorf("err %v, out %v; want err %v", err, out, c.err)
			}
		})
	}
}
