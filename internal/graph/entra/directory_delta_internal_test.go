package entra

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"graphgate/internal/store"
)

// diffPage lists created, updated and deleted users in id order, a page at
// a time; following its cursor lists each change once.
func TestDiffPage(t *testing.T) {
	state := func(pairs ...any) *dirDeltaState {
		st := &dirDeltaState{}
		for i := 0; i < len(pairs); i += 2 {
			st.IDs = append(st.IDs, pairs[i].(string))
			st.Versions = append(st.Versions, int64(pairs[i+1].(int)))
		}
		return st
	}
	for _, c := range []struct {
		name     string
		old, new *dirDeltaState
		max      int
		want     []string // "id" listed, "-id" removed; pages joined
	}{
		{"first sync", nil, state("a", 1, "b", 1, "c", 1), 2, []string{"a", "b", "c"}},
		{"no change", state("a", 1, "b", 2), state("a", 1, "b", 2), 2, nil},
		{"created, updated, deleted", state("a", 1, "b", 1, "d", 1), state("a", 1, "b", 2, "c", 1), 10, []string{"b", "c", "-d"}},
		{"deleted before the first", state("0", 1, "a", 1), state("a", 1), 1, []string{"-0"}},
		{"paged one at a time", state("a", 1, "c", 1, "e", 1), state("b", 1, "c", 2, "d", 1), 1, []string{"-a", "b", "c", "d", "-e"}},
		{"everything deleted", state("a", 1, "b", 1), state(), 1, []string{"-a", "-b"}},
		{"empty tenant", nil, state(), 5, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("no end")
				}
				out, more := diffPage(c.old, c.new, after, c.max)
				if len(out) > c.max {
					t.Fatalf("page of %d, max %d", len(out), c.max)
				}
				for _, ch := range out {
					got = append(got, map[bool]string{true: "-", false: ""}[ch.removed]+ch.id)
				}
				if !more {
					break
				}
				after = out[len(out)-1].id
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("changes %v, want %v", got, c.want)
			}
		})
	}
}

// A snapshot is valid for seven days, and only well formed.
func TestUserDeltaStateValid(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		st   dirDeltaState
		now  time.Time
		want bool
	}{
		{dirDeltaState{At: at.UTC().Format(store.TimeLayout)}, at, true},
		{dirDeltaState{At: at.UTC().Format(store.TimeLayout)}, at.Add(dirDeltaLifetime), true},
		{dirDeltaState{At: at.UTC().Format(store.TimeLayout)}, at.Add(dirDeltaLifetime + time.Second), false},
		{dirDeltaState{At: "yesterday"}, at, false},
		{dirDeltaState{At: at.UTC().Format(store.TimeLayout), IDs: []string{"a"}}, at, false},
	} {
		if got := c.st.valid(c.now); got != c.want {
			t.Errorf("%s valid at %s = %v, want %v", fmt.Sprint(c.st), c.now, got, c.want)
		}
	}
}

// Tokens survive their encoding.
func TestUserDeltaTokenRoundTrip(t *testing.T) {
	tok := dirDeltaToken{Old: "o", New: "n", After: "a", Select: "displayName,id"}
	got, ok := decodeDirDeltaToken(tok.encode())
	if !ok || got != tok {
		t.Fatalf("round trip: %+v %v", got, ok)
	}
	if _, ok := decodeDirDeltaToken("%%%"); ok {
		t.Fatal("a token that is not base64 decoded")
	}
}
