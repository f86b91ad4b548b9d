package graph

import (
	"fmt"
	"strings"
	"testing"

	"graphgate/internal/catalog"
)

// TestScopeCacheParse: the cached set is the catalog's parse of the exact
// claim text, on the first call and on the repeat, and claims that differ
// only in case, separators or an unknown name are told apart.
func TestScopeCacheParse(t *testing.T) {
	cat := catalog.Default()
	var c scopeCache
	for _, claim := range []string{
		"",
		"User.Read",
		"User.Read Mail.Read openid profile",
		"user.read mail.read",
		"https://graph.microsoft.com/User.Read https://graph.microsoft.com/Mail.Send",
		"User.Read,Mail.Read",
		"User.Read NotAPermission",
		"Mail.Read",
		"User.ReadWrite.All Directory.Read.All",
	} {
		want, _ := cat.ParseScopes(claim)
		for round := range 2 { // the miss, then the hit
			if got := c.parse(cat, claim); got != want {
				t.Errorf("round %d: parse(%q) = %v, want %v", round, claim, got.Names(cat), want.Names(cat))
			}
		}
	}
	if a, b := c.parse(cat, "User.Read"), c.parse(cat, "Mail.Read"); a == b {
		t.Errorf("User.Read and Mail.Read parsed to the same set %v", a.Names(cat))
	}
}

// TestScopeCacheBounded: however many distinct claims arrive, the cache
// holds at most scopeCacheSize of them, and still answers each correctly.
func TestScopeCacheBounded(t *testing.T) {
	cat := catalog.Default()
	var c scopeCache
	want, _ := cat.ParseScopes("User.Read")
	for i := range 3*scopeCacheSize + 7 {
		claim := fmt.Sprintf("User.Read Unknown.%d", i)
		if got := c.parse(cat, claim); got != want {
			t.Fatalf("parse(%q) = %v, want %v", claim, got.Names(cat), want.Names(cat))
		}
		held := 0
		c.m.Range(func(any, any) bool { held++; return true })
		if held > scopeCacheSize {
			t.Fatalf("after %d claims the cache holds %d, more than %d", i+1, held, scopeCacheSize)
		}
	}
}

// BenchmarkScopeParse: a token's scp claim parsed by the catalog (what
// authenticate did on every request) and found in the scope cache (what it
// does now), side by side.
func BenchmarkScopeParse(b *testing.B) {
	cat := catalog.Default()
	for _, claim := range []string{
		"User.Read Mail.Read", // the throughput harness's token
		"openid profile offline_access User.Read Mail.ReadWrite Mail.Send Calendars.ReadWrite Contacts.Read Files.ReadWrite.All Tasks.ReadWrite",
	} {
		name := fmt.Sprintf("%d-scopes", len(strings.Fields(claim)))
		b.Run(name+"/catalog", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				set, _ := cat.ParseScopes(claim)
				benchSet = set
			}
		})
		b.Run(name+"/cached", func(b *testing.B) {
			var c scopeCache
			b.ReportAllocs()
			for b.Loop() {
				benchSet = c.parse(cat, claim)
			}
		})
	}
}

var benchSet catalog.Set

// BenchmarkNewRequestID is one request id: 16 bytes from crypto/rand as
// a version 4 GUID (bench/README.md weighs it, and a scope-cache hit,
// against what the profile charges them under load).
func BenchmarkNewRequestID(b *testing.B) {
	for b.Loop() {
		_ = NewRequestID()
	}
}
