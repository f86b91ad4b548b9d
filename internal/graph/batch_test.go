package graph_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"image"
	pngenc "image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/password"
	"graphgate/internal/server"
	"graphgate/internal/tokens"
)

// batchResponses posts a batch and returns its responses by id.
func batchResponses(t *testing.T, e *env, token string, requests ...map[string]any) map[string]map[string]any {
	t.Helper()
	body := e.must(200, "POST", "/$batch", token, map[string]any{"requests": requests})
	raw, ok := body["responses"].([]any)
	if !ok {
		t.Fatalf("no responses array: %v", body)
	}
	out := map[string]map[string]any{}
	for _, r := range raw {
		m := r.(map[string]any)
		out[m["id"].(string)] = m
	}
	if len(out) != len(requests) {
		t.Fatalf("%d responses for %d requests", len(out), len(requests))
	}
	return out
}

func status(r map[string]any) int { f, _ := r["status"].(float64); return int(f) }

func errCode(r map[string]any) string {
	b, _ := r["body"].(map[string]any)
	e, _ := b["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestBatchRunsEachRequestThroughThePipeline(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "User.Read", "Mail.ReadWrite", "Tasks.ReadWrite")
	res := batchResponses(t, e, tok,
		map[string]any{"id": "1", "method": "GET", "url": "/me?$select=displayName"},
		map[string]any{"id": "2", "method": "GET", "url": "me/messages?$top=2&$select=subject"},
		// Another user's mailbox: Mail.ReadWrite covers own mail only.
		map[string]any{"id": "3", "method": "GET", "url": "/users/" + e.id("lynne") + "/messages"},
		// Not consented: Calendars.Read.
		map[string]any{"id": "4", "method": "GET", "url": "/me/events"},
		map[string]any{"id": "5", "method": "GET", "url": "/me/nosuchthing"},
	)
	if status(res["1"]) != 200 || res["1"]["body"].(map[string]any)["displayName"] != e.user("adele").DisplayName {
		t.Errorf("GET /me in a batch: %v", res["1"])
	}
	if v, _ := res["2"]["body"].(map[string]any)["value"].([]any); status(res["2"]) != 200 || len(v) != 2 {
		t.Errorf("GET /me/messages?$top=2 in a batch: %v", res["2"])
	}
	if status(res["3"]) != 403 || errCode(res["3"]) != "ErrorAccessDenied" {
		t.Errorf("another user's mail in a batch: %v", res["3"])
	}
	if status(res["4"]) != 403 {
		t.Errorf("unconsented calendar in a batch: %v", res["4"])
	}
	if h, _ := res["4"]["headers"].(map[string]any); !strings.Contains(fmt.Sprint(h["X-Graphgate-Decision"]), "Calendars.Read") {
		t.Errorf("the batched response lacks the decision header: %v", h)
	}
	if status(res["5"]) != 400 && status(res["5"]) != 404 {
		t.Errorf("unknown segment in a batch: %v", res["5"])
	}
}

func TestBatchDependsOn(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "Tasks.ReadWrite")
	lists := list(t, e.must(200, "GET", "/me/todo/lists", tok, nil))
	listID := lists[0]["id"].(string)
	tasks := "/me/todo/lists/" + listID + "/tasks"
	before := len(e.all(tasks, tok))
	res := batchResponses(t, e, tok,
		map[string]any{"id": "create", "method": "POST", "url": tasks, "headers": map[string]string{"Content-Type": "application/json"},
			"body": map[string]any{"title": "Batched task"}},
		map[string]any{"id": "list", "method": "GET", "url": tasks + "?$filter=title eq 'Batched task'", "dependsOn": []string{"create"}},
		// Depends on a request that fails: never runs.
		map[string]any{"id": "bad", "method": "GET", "url": "/me/todo/lists/nope/tasks", "dependsOn": []string{"list"}},
		map[string]any{"id": "after-bad", "method": "POST", "url": tasks, "headers": map[string]string{"Content-Type": "application/json"},
			"body": map[string]any{"title": "Must not exist"}, "dependsOn": []string{"bad"}},
	)
	if status(res["create"]) != 201 {
		t.Fatalf("create: %v", res["create"])
	}
	if v, _ := res["list"]["body"].(map[string]any)["value"].([]any); len(v) != 1 {
		t.Errorf("the dependent GET did not see the created task: %v", res["list"])
	}
	if status(res["bad"]) != 404 {
		t.Errorf("bad: %v", res["bad"])
	}
	if status(res["after-bad"]) != http.StatusFailedDependency || errCode(res["after-bad"]) != "FailedDependency" {
		t.Errorf("after-bad: %v", res["after-bad"])
	}
	if after := len(e.all(tasks, tok)); after != before+1 {
		t.Errorf("tasks %d → %d: the request after a failed dependency ran", before, after)
	}
}

func TestBatchPayloadErrors(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "User.Read")
	get := func(id string) map[string]any { return map[string]any{"id": id, "method": "GET", "url": "/me"} }
	var many []any
	for i := 0; i < 21; i++ {
		many = append(many, get(strconv.Itoa(i)))
	}
	cases := []struct {
		name string
		body any
		msg  string
	}{
		{"not JSON", "{", "Invalid batch payload format."},
		{"no requests", map[string]any{"x": 1}, "Invalid batch payload format."},
		{"21 requests", map[string]any{"requests": many}, "Number of requests inside batch exceeds the limit."},
		{"duplicate id, case-insensitive", map[string]any{"requests": []any{get("a"), get("A")}}, "used by more than one request"},
		{"missing url", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET"}}}, "has no url"},
		{"body without Content-Type", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "PATCH", "url": "/me", "body": map[string]any{"city": "Paris"}}}}, "no Content-Type"},
		{"unknown dependency", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/me", "dependsOn": []string{"9"}}}}, "not in the batch"},
		{"cycle", map[string]any{"requests": []any{
			map[string]any{"id": "1", "method": "GET", "url": "/me", "dependsOn": []string{"2"}},
			map[string]any{"id": "2", "method": "GET", "url": "/me", "dependsOn": []string{"1"}}}}, "cycle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("POST", "/$batch", tok, c.body)
			if r.Status != 400 {
				t.Fatalf("status %d, want 400: %s", r.Status, r.Raw)
			}
			errObj := r.JSON["error"].(map[string]any)
			if errObj["code"] != "BadRequest" || !strings.Contains(errObj["message"].(string), c.msg) {
				t.Errorf("error %v, want BadRequest with %q", errObj, c.msg)
			}
		})
	}
	t.Run("no token", func(t *testing.T) {
		r := e.do("POST", "/$batch", "", map[string]any{"requests": []any{get("1")}})
		if r.Status != 401 || r.JSON["error"].(map[string]any)["code"] != "InvalidAuthenticationToken" {
			t.Errorf("status %d %s", r.Status, r.Raw)
		}
	})
	t.Run("nested batch and absolute url answer per request", func(t *testing.T) {
		res := batchResponses(t, e, tok,
			map[string]any{"id": "1", "method": "POST", "url": "/$batch", "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"requests": []any{}}},
			map[string]any{"id": "2", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"})
		if status(res["1"]) != 400 || status(res["2"]) != 400 {
			t.Errorf("nested %v; absolute %v", res["1"], res["2"])
		}
	})
}

func TestBatchBinaryBodies(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "User.ReadWrite")
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	if err := pngenc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	png := buf.Bytes()
	res := batchResponses(t, e, tok,
		map[string]any{"id": "put", "method": "PUT", "url": "/me/photo/$value", "headers": map[string]string{"Content-Type": "image/png"},
			"body": base64.StdEncoding.EncodeToString(png)},
		map[string]any{"id": "get", "method": "GET", "url": "/me/photo/$value", "dependsOn": []string{"put"}})
	if st := status(res["put"]); st != 200 && st != 204 {
		t.Fatalf("PUT photo in a batch: %v", res["put"])
	}
	s, _ := res["get"]["body"].(string)
	got, err := base64.StdEncoding.DecodeString(s)
	if err != nil || string(got) != string(png) {
		t.Errorf("GET photo/$value in a batch: body %q (%v), want the bytes base64-encoded", s, err)
	}
	meta := e.must(200, "GET", "/me/photo", tok, nil)
	if meta["width"] != 48.0 || meta["height"] != 32.0 || meta["@odata.mediaContentType"] != "image/png" {
		t.Errorf("photo metadata %v", meta)
	}
	if r := e.do("PUT", "/me/photo/$value", tok, []byte("not an image"), header("Content-Type", "image/png")); r.Status != 400 {
		t.Errorf("PUT of a non-image: %d", r.Status)
	}
	e.must(204, "DELETE", "/me/photo", tok, nil)
	if r := e.do("GET", "/me/photo/$value", tok, nil); r.Status != 404 || r.JSON["error"].(map[string]any)["code"] != "ImageNotFound" {
		t.Errorf("GET a deleted photo: %d %s", r.Status, r.Raw)
	}
}

// A throttled server answers 429 with Retry-After once an app+user has
// spent its budget, per app+user, for single and batched requests alike.
func TestThrottling(t *testing.T) {
	srv, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), Passwords: password.Fast,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Throttle: &graph.ThrottleConfig{Requests: 3, Per: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	m, err := tokens.NewMinter(srv.Keyring(), secret)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, hs: hs, base: hs.URL + "/v1.0", demo: srv.Demo, minter: m,
		client: &http.Client{Timeout: 30 * time.Second}, tokens: map[string]string{}}

	adele := e.delegated("adele", "User.Read")
	megan := e.delegated("megan", "User.Read")
	for i := 0; i < 3; i++ {
		e.must(200, "GET", "/me", adele, nil)
	}
	r := e.do("GET", "/me", adele, nil)
	if r.Status != 429 {
		t.Fatalf("4th request in a minute: %d, want 429", r.Status)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	if code := r.JSON["error"].(map[string]any)["code"]; code != "TooManyRequests" {
		t.Errorf("code %v", code)
	}
	// Another user of the same app has its own budget.
	e.must(200, "GET", "/me", megan, nil)
	// Batched requests count one by one: two left for megan, the third is throttled.
	res := batchResponses(t, e, megan,
		map[string]any{"id": "1", "method": "GET", "url": "/me", "dependsOn": []string{}},
		map[string]any{"id": "2", "method": "GET", "url": "/me", "dependsOn": []string{"1"}},
		map[string]any{"id": "3", "method": "GET", "url": "/me", "dependsOn": []string{"2"}})
	if status(res["1"]) != 200 || status(res["2"]) != 200 || status(res["3"]) != 429 {
		t.Errorf("batched statuses %d %d %d, want 200 200 429", status(res["1"]), status(res["2"]), status(res["3"]))
	}
	if h, _ := res["3"]["headers"].(map[string]any); h["Retry-After"] == nil {
		t.Errorf("a throttled batched request lacks Retry-After: %v", h)
	}
}
