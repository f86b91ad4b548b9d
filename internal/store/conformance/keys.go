package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"graphgate/internal/store"
)

var signingKeyTests = []test{
	{"AddList", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		k1, k2, k3 := newSigningKey(1), newSigningKey(2), newSigningKey(3)
		for _, k := range []store.SigningKey{k2, k1, k3} {
			added, err := s.AddSigningKey(ctx, k)
			must(t, err)
			if !added {
				t.Errorf("AddSigningKey(generation %d) = false, want true", k.Generation)
			}
		}
		dup := newSigningKey(2)
		added, err := s.AddSigningKey(ctx, dup)
		must(t, err)
		if added {
			t.Error("AddSigningKey of an existing generation = true, want false")
		}
		got, err := s.SigningKeys(ctx)
		must(t, err)
		byGen := func(k store.SigningKey) string { return fmt.Sprintf("%020d", k.Generation) }
		check(t, "SigningKeys", sorted(got, byGen), []store.SigningKey{k1, k2, k3})
	}},
	{"AddConcurrent", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		const n = 10
		keys := make([]store.SigningKey, n)
		added := make([]bool, n)
		for i := range keys {
			keys[i] = newSigningKey(7)
		}
		errs := concurrently(n, func(i int) (err error) {
			added[i], err = s.AddSigningKey(ctx, keys[i])
			return err
		})
		winner := -1
		for i := range n {
			must(t, errs[i])
			if added[i] {
				if winner >= 0 {
					t.Fatalf("AddSigningKey of generation 7 succeeded twice (%d and %d)", winner, i)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatal("no concurrent AddSigningKey succeeded")
		}
		got, err := s.SigningKeys(ctx)
		must(t, err)
		check(t, "SigningKeys after concurrent adds", got, []store.SigningKey{keys[winner]})
	}},
}

var settingTests = []test{
	{"FirstWriterWins", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		for _, tc := range []struct {
			name  string
			value string
			want  string
		}{
			{"secret-key", "first", "first"},
			{"secret-key", "second", "first"},
			{"other", "mine", "mine"},
			{"secret-key", "", "first"},
		} {
			got, err := s.SettingOrCreate(ctx, tc.name, []byte(tc.value))
			must(t, err)
			if string(got) != tc.want {
				t.Errorf("SettingOrCreate(%s, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
			}
		}
		bin := []byte{0, 1, 2, 0xfe, 0xff, 0}
		got, err := s.SettingOrCreate(ctx, "binary", bin)
		must(t, err)
		if !bytes.Equal(got, bin) {
			t.Errorf("a binary setting came back as %x, want %x", got, bin)
		}
	}},
	{"Concurrent", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		const n = 10
		got := make([][]byte, n)
		errs := concurrently(n, func(i int) (err error) {
			got[i], err = s.SettingOrCreate(ctx, "secret-key", []byte(fmt.Sprint("value ", i)))
			return err
		})
		for i := range n {
			must(t, errs[i])
			if !bytes.Equal(got[i], got[0]) {
				t.Errorf("concurrent SettingOrCreate returned %q and %q", got[0], got[i])
			}
		}
		var known bool
		for i := range n {
			known = known || string(got[0]) == fmt.Sprint("value ", i)
		}
		if !known {
			t.Errorf("SettingOrCreate = %q, none of the values written", got[0])
		}
	}},
}
