package store

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// marshalRepeats is what RepeatsText wrote before it wrote the text
// itself: encoding/json over the repeats with their times in UTC.
func marshalRepeats(rs []Repeat) (string, error) {
	utc := make([]Repeat, len(rs))
	for i, r := range rs {
		r.Time = r.Time.UTC()
		utc[i] = r
	}
	b, err := json.Marshal(utc)
	return string(b), err
}

func TestRepeatsTextIsJSON(t *testing.T) {
	plus2 := time.FixedZone("+02", 2*3600)
	base := time.Date(2026, 12, 5, 19, 22, 2, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		rs   []Repeat
	}{
		{"one", []Repeat{{Time: base, RequestID: "ecac12d8-09cb-499c-9b76-4b8b743a74d8"}}},
		{"with client ids", []Repeat{
			{Time: base, RequestID: "a", ClientRequestID: "b"},
			{Time: base.Add(time.Millisecond), RequestID: "c"},
		}},
		{"whole seconds and trailing zeros", []Repeat{
			{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), RequestID: "r1"},
			{Time: time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC), RequestID: "r2"},
		}},
		{"another zone", []Repeat{{Time: base.In(plus2), RequestID: "r"}}},
		{"local time", []Repeat{{Time: base.Local(), RequestID: "r"}}},
		{"monotonic reading", []Repeat{{Time: time.Now(), RequestID: "r"}}},
		{"zero time", []Repeat{{RequestID: "r"}}},
		{"year 9999", []Repeat{{Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), RequestID: "r"}}},
		{"quote and backslash", []Repeat{{Time: base, RequestID: `a"b\c`, ClientRequestID: `"`}}},
		{"HTML characters", []Repeat{{Time: base, RequestID: "<a&b>", ClientRequestID: "&"}}},
		{"control characters", []Repeat{{Time: base, RequestID: "a\nb\tc\x00d\x7f"}}},
		{"non-ASCII", []Repeat{{Time: base, RequestID: "café ☕", ClientRequestID: "\u2028\u2029"}}},
		{"invalid UTF-8", []Repeat{{Time: base, RequestID: "a\xffb\xc3"}}},
		{"empty request id", []Repeat{{Time: base, RequestID: ""}}},
		{"sign-in ids", []Repeat{
			{Time: base, ID: "0f8fad5b-d9cb-469f-a165-70867728950e", RequestID: "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
			{Time: base.Add(time.Second), ID: `i"d<`, RequestID: "r"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gotErr := RepeatsText(tc.rs)
			want, wantErr := marshalRepeats(tc.rs)
			if gotErr != nil || wantErr != nil {
				t.Fatalf("errors: got %v, encoding/json %v", gotErr, wantErr)
			}
			if got != want {
				t.Fatalf("RepeatsText =\n%s\nencoding/json:\n%s", got, want)
			}
			back, err := ParseRepeats(got)
			if err != nil || len(back) != len(tc.rs) {
				t.Fatalf("ParseRepeats: %d repeats, %v", len(back), err)
			}
		})
	}

	t.Run("years encoding/json refuses", func(t *testing.T) {
		for _, y := range []int{-1, 10000} {
			rs := []Repeat{{Time: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), RequestID: "r"}}
			if _, err := RepeatsText(rs); err == nil {
				t.Errorf("year %d: no error", y)
			}
			if _, err := marshalRepeats(rs); err == nil {
				t.Errorf("year %d: encoding/json wrote it", y)
			}
		}
	})

	t.Run("random", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		alphabet := []rune("abcXYZ019-_.:/ \"\\<>&\n\x01é☕\u2028\ufffd")
		str := func() string {
			n := r.IntN(12)
			s := make([]rune, n)
			for i := range s {
				s[i] = alphabet[r.IntN(len(alphabet))]
			}
			return string(s)
		}
		for i := 0; i < 2000; i++ {
			rs := make([]Repeat, 1+r.IntN(5))
			for j := range rs {
				rs[j] = Repeat{Time: base.Add(time.Duration(r.Int64N(int64(1000 * time.Hour)))), RequestID: str()}
				if r.IntN(2) == 0 {
					rs[j].ClientRequestID = str()
				}
			}
			got, _ := RepeatsText(rs)
			want, _ := marshalRepeats(rs)
			if got != want {
				t.Fatalf("RepeatsText(%q) =\n%s\nencoding/json:\n%s", rs, got, want)
			}
		}
	})
}

// FuzzRepeatsText checks RepeatsText against encoding/json for any ids and
// times.
func FuzzRepeatsText(f *testing.F) {
	f.Add("ecac12d8-09cb-499c-9b76-4b8b743a74d8", "", int64(1796498522123456789))
	f.Add(`a"<b>\`, "c\x00d", int64(-62135596800000000))
	f.Fuzz(func(t *testing.T, id, client string, ns int64) {
		rs := []Repeat{{Time: time.Unix(0, ns), RequestID: id, ClientRequestID: client}}
		got, gotErr := RepeatsText(rs)
		want, wantErr := marshalRepeats(rs)
		if (gotErr == nil) != (wantErr == nil) || got != want && gotErr == nil {
			t.Fatalf("RepeatsText = %q, %v; encoding/json %q, %v", got, gotErr, want, wantErr)
		}
	})
}

func BenchmarkRepeatsText(b *testing.B) {
	rs := make([]Repeat, 1024)
	t0 := time.Date(2026, 12, 5, 19, 22, 2, 123456789, time.UTC)
	for i := range rs {
		rs[i] = Repeat{Time: t0.Add(time.Duration(i) * 37 * time.Microsecond), RequestID: "ecac12d8-09cb-499c-9b76-4b8b743a74d8"}
	}
	b.Run("RepeatsText", func(b *testing.B) {
		for b.Loop() {
			if _, err := RepeatsText(rs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshalRepeats(rs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
