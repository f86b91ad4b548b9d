package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"graphgate/internal/planner"
)

// benchCalls makes n calls of a realistic mix: the Home Assistant
// integration's calls (all features, enable_update) with ids that vary,
// made by three apps, delegated and app-only, some refused, and one call
// in fifty to a host or path graphgate cannot place.
func benchCalls(tb testing.TB, n int) []Call {
	tb.Helper()
	cfg := planner.Config{Groups: true, EmailSensors: true, QuerySensors: true, StatusSensors: true,
		OtherStatusEmails: []string{"megan@contoso.com"}, ChatSensors: true, Todo: true, AutoReply: true, EnableUpdate: true}
	pcalls, err := planner.New(nil).Calls(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	apps := []string{"11111111-0000-0000-0000-000000000001", "22222222-0000-0000-0000-000000000002", "33333333-0000-0000-0000-000000000003"}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]Call, 0, n)
	for i := 0; i < n; i++ {
		c := Call{AppID: apps[i%len(apps)], Scheme: Delegated, Granted: []string{"Calendars.ReadWrite", "Mail.ReadWrite", "Mail.Send", "User.Read"}, GrantKnown: true,
			RequestID: fmt.Sprintf("req-%d", i)}
		switch {
		case i%50 == 0:
			c.Method, c.URL = "GET", fmt.Sprintf("https://contoso.sharepoint.com/sites/s%d/_api/web", r.IntN(200))
		case i%7 == 0:
			c.Scheme, c.Granted = Application, []string{"User.Read.All", "Mail.Read"}
			c.Method, c.URL = "GET", fmt.Sprintf("https://graph.microsoft.com/v1.0/users/user%d@contoso.com/messages?$select=subject,from&$top=10", r.IntN(500))
		default:
			pc := pcalls[r.IntN(len(pcalls))]
			path := pc.Path
			for _, ph := range []string{"{calendar-id}", "{event-id}", "{folder-id}", "{message-id}", "{user-id}", "{chat-id}", "{list-id}", "{task-id}", "{group-id}"} {
				path = strings.ReplaceAll(path, ph, fmt.Sprintf("AAMk%d", r.IntN(1000)))
			}
			c.Method, c.URL = pc.Method, "https://graph.microsoft.com/v1.0"+path
			if pc.Query != "" {
				c.URL += "?" + pc.Query
			}
			if r.IntN(20) == 0 {
				c.Status = 403
			}
		}
		out = append(out, c)
	}
	return out
}

// BenchmarkReport10k: a report of 10,000 calls (adding them and building
// the report), on an analyzer already built.
func BenchmarkReport10k(b *testing.B) {
	calls := benchCalls(b, 10000)
	a := New(nil)
	warm := a.NewBuilder(Options{})
	for _, c := range calls[:100] {
		warm.Add(c)
	}
	if _, err := warm.Report(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bld := a.NewBuilder(Options{})
		for _, c := range calls {
			bld.Add(c)
		}
		r, err := bld.Report(context.Background())
		if err != nil || len(r.Groups) != 6 {
			b.Fatalf("%v, %d groups", err, len(r.Groups))
		}
	}
}

// BenchmarkAdd: one call added to a builder that has seen its endpoint.
func BenchmarkAdd(b *testing.B) {
	calls := benchCalls(b, 10000)
	bld := New(nil).NewBuilder(Options{})
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		bld.Add(calls[i%len(calls)])
		i++
	}
}

// BenchmarkReadHAR10k: the same 10,000 calls as a HAR file (with a bearer
// token per entry, decoded once per token), read and reported.
func BenchmarkReadHAR10k(b *testing.B) {
	calls := benchCalls(b, 10000)
	token := "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBpZCI6IjExMTExMTExLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMSIsImlkdHlwIjoidXNlciIsInNjcCI6Ik1haWwuUmVhZFdyaXRlIFVzZXIuUmVhZCJ9.x"
	var entries []any
	for _, c := range calls {
		entries = append(entries, map[string]any{
			"startedDateTime": "2026-01-01T09:00:00.000Z",
			"request":         map[string]any{"method": c.Method, "url": c.URL, "headers": []map[string]string{{"name": "Authorization", "value": token}}},
			"response":        map[string]any{"status": 200, "headers": []map[string]string{{"name": "request-id", "value": c.RequestID}}, "content": map[string]any{"text": `{"value":[]}`}},
		})
	}
	har, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2", "entries": entries}})
	if err != nil {
		b.Fatal(err)
	}
	a := New(nil)
	b.SetBytes(int64(len(har)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bld := a.NewBuilder(Options{})
		if err := ReadHAR(context.Background(), bytes.NewReader(har), bld); err != nil {
			b.Fatal(err)
		}
		if _, err := bld.Report(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewAnalyzer: what a process pays once, before its first
// report: the grammar's index over the catalog (the engine is built
// already).
func BenchmarkNewAnalyzer(b *testing.B) {
	New(nil)
	b.ReportAllocs()
	for b.Loop() {
		New(nil)
	}
}
