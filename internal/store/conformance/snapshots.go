package conformance

import (
	"context"
	"errors"
	"slices"
	"testing"

	"graphgate/internal/store"
)

// Snapshots (store.Snapshots): save, change, restore — the data is back;
// names validated; unknown names and existing names refused.

// deleteSnapshotsAtEnd removes the snapshots a test saved: a PostgreSQL
// snapshot is a schema of its own, which the test schema's cleanup does not
// drop.
func deleteSnapshotsAtEnd(t *testing.T, s store.Store, names ...string) {
	t.Cleanup(func() {
		for _, n := range names {
			if err := s.DeleteSnapshot(context.Background(), n); err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("deleting snapshot %q: %v", n, err)
			}
		}
	})
}

var snapshotTests = []test{
	{"SaveChangeRestore", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		deleteSnapshotsAtEnd(t, s, "before")
		want := tenantFixture(t, s, "snap")
		tid := want.Tenant.ID
		must(t, s.PutSetting(ctx, "snap.setting", []byte("saved")))
		info, err := s.SaveSnapshot(ctx, "before", false)
		must(t, err)
		if info.Name != "before" || info.SchemaVersion == 0 || info.Created.IsZero() {
			t.Errorf("SaveSnapshot = %+v, want the name, a schema version and a time", info)
		}
		saved, err := s.ExportTenant(ctx, tid)
		must(t, err)

		// Change everything kinds of data: delete a user, add one, a new
		// tenant, a setting; and a signing key, which restore keeps.
		must(t, s.DeleteUser(ctx, tid, want.Users[0].ID))
		added := newUser(tid, "added@contoso-snap.com")
		must(t, s.CreateUser(ctx, added))
		later := newTenant("Later", "later-snap.com")
		must(t, s.CreateTenant(ctx, later))
		must(t, s.PutSetting(ctx, "snap.setting", []byte("changed")))
		key := newSigningKey(99)
		if ok, err := s.AddSigningKey(ctx, key); err != nil || !ok {
			t.Fatalf("AddSigningKey = %v, %v", ok, err)
		}

		must(t, s.RestoreSnapshot(ctx, "before"))
		got, err := s.ExportTenant(ctx, tid)
		must(t, err)
		// The export's signing keys and settings are store-wide; compare the
		// tenant's data, then each store-wide kind on its own.
		check(t, "tenant after restore", withoutStoreWide(got), withoutStoreWide(saved))
		_, err = s.GetUser(ctx, tid, added.ID)
		wantErr(t, err, store.ErrNotFound, "a user created after the snapshot")
		_, err = s.GetTenant(ctx, later.ID)
		wantErr(t, err, store.ErrNotFound, "a tenant created after the snapshot")
		v, err := s.Setting(ctx, "snap.setting")
		must(t, err)
		if string(v) != "saved" {
			t.Errorf("setting after restore = %q, want %q", v, "saved")
		}
		keys, err := s.SigningKeys(ctx)
		must(t, err)
		found := false
		for _, k := range keys {
			found = found || k.KID == key.KID
		}
		if !found {
			t.Errorf("the signing key added after the snapshot is gone after restore: restore must keep signing keys")
		}

		// Restoring again is idempotent, and the store stays writable.
		must(t, s.RestoreSnapshot(ctx, "before"))
		must(t, s.CreateUser(ctx, added))
	}},
	{"ListReplaceDelete", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		deleteSnapshotsAtEnd(t, s, "b-two", "a_one")
		list, err := s.ListSnapshots(ctx)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("ListSnapshots of a new store = %+v, want none", list)
		}
		ten := newTenant("Snap", "snap-list.com")
		must(t, s.CreateTenant(ctx, ten))
		_, err = s.SaveSnapshot(ctx, "b-two", false)
		must(t, err)
		_, err = s.SaveSnapshot(ctx, "a_one", false)
		must(t, err)
		_, err = s.SaveSnapshot(ctx, "a_one", false)
		wantErr(t, err, store.ErrConflict, "SaveSnapshot of an existing name without replace")
		list, err = s.ListSnapshots(ctx)
		must(t, err)
		var names []string
		for _, i := range list {
			names = append(names, i.Name)
		}
		check(t, "ListSnapshots names", names, []string{"a_one", "b-two"})

		// Replace: a_one now holds a second tenant.
		other := newTenant("Snap 2", "snap-list2.com")
		must(t, s.CreateTenant(ctx, other))
		_, err = s.SaveSnapshot(ctx, "a_one", true)
		must(t, err)
		must(t, s.RestoreSnapshot(ctx, "b-two"))
		_, err = s.GetTenant(ctx, other.ID)
		wantErr(t, err, store.ErrNotFound, "a tenant b-two does not hold")
		must(t, s.RestoreSnapshot(ctx, "a_one"))
		_, err = s.GetTenant(ctx, other.ID)
		must(t, err)

		must(t, s.DeleteSnapshot(ctx, "b-two"))
		wantErr(t, s.DeleteSnapshot(ctx, "b-two"), store.ErrNotFound, "DeleteSnapshot twice")
		wantErr(t, s.RestoreSnapshot(ctx, "b-two"), store.ErrNotFound, "RestoreSnapshot of a deleted snapshot")
		list, err = s.ListSnapshots(ctx)
		must(t, err)
		if len(list) != 1 || list[0].Name != "a_one" {
			t.Errorf("ListSnapshots after delete = %+v, want a_one only", list)
		}
	}},
	{"Wipe", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		deleteSnapshotsAtEnd(t, s, "kept")
		d := tenantFixture(t, s, "wipe")
		must(t, s.PutSetting(ctx, "keep.me", []byte("1")))
		must(t, s.PutSetting(ctx, "demo.credentials", []byte("2")))
		key := newSigningKey(7)
		if _, err := s.AddSigningKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		_, err := s.SaveSnapshot(ctx, "kept", false)
		must(t, err)
		before, err := s.ExportTenant(ctx, d.Tenant.ID)
		must(t, err)
		must(t, s.Wipe(ctx, func(name string) bool { return name == "keep.me" }))
		ts, err := s.ListTenants(ctx)
		must(t, err)
		if len(ts) != 0 {
			t.Errorf("tenants after Wipe: %d, want none", len(ts))
		}
		_, err = s.GetApp(ctx, d.Apps[0].AppID)
		wantErr(t, err, store.ErrNotFound, "an app after Wipe")
		all, err := s.ListSettings(ctx)
		must(t, err)
		check(t, "settings after Wipe", all, []store.Setting{{Name: "keep.me", Value: []byte("1")}})
		keys, err := s.SigningKeys(ctx)
		must(t, err)
		if !slices.ContainsFunc(keys, func(k store.SigningKey) bool { return k.KID == key.KID }) {
			t.Errorf("Wipe removed the signing keys")
		}
		// Snapshots survive a wipe and bring everything back.
		must(t, s.RestoreSnapshot(ctx, "kept"))
		got, err := s.ExportTenant(ctx, d.Tenant.ID)
		must(t, err)
		check(t, "tenant restored after Wipe", withoutStoreWide(got), withoutStoreWide(before))
	}},
	{"UnknownAndInvalidNames", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		ten := newTenant("Snap", "snap-names.com")
		must(t, s.CreateTenant(ctx, ten))
		wantErr(t, s.RestoreSnapshot(ctx, "never-saved"), store.ErrNotFound, "RestoreSnapshot of an unknown name")
		wantErr(t, s.DeleteSnapshot(ctx, "never-saved"), store.ErrNotFound, "DeleteSnapshot of an unknown name")
		for _, bad := range []string{"", "Upper", "-dash-first", "has space", "../escape", "a/b", `quo"te`, "semi;colon",
			"x2345678901234567890123456789012345678901"} {
			_, err := s.SaveSnapshot(ctx, bad, false)
			wantErr(t, err, store.ErrInvalidSnapshotName, "SaveSnapshot("+bad+")")
			wantErr(t, s.RestoreSnapshot(ctx, bad), store.ErrInvalidSnapshotName, "RestoreSnapshot("+bad+")")
			wantErr(t, s.DeleteSnapshot(ctx, bad), store.ErrInvalidSnapshotName, "DeleteSnapshot("+bad+")")
		}
		list, err := s.ListSnapshots(ctx)
		must(t, err)
		if len(list) != 0 {
			t.Errorf("ListSnapshots after refused names = %+v, want none", list)
		}
		// The store is untouched.
		_, err = s.GetTenant(ctx, ten.ID)
		must(t, err)
	}},
}

// withoutStoreWide drops the store-wide parts of an export.
func withoutStoreWide(d store.TenantData) store.TenantData {
	d.Settings, d.SigningKeys = nil, nil
	return d
}
