package model

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"graphgate/internal/store"
)

// recorder is the store a Seeder writes to: it keeps what CreateItems
// gets (the Seeder calls nothing else).
type recorder struct {
	store.Items
	items []store.Item
}

func (r *recorder) CreateItems(_ context.Context, items ...store.Item) error {
	r.items = append(r.items, items...)
	return nil
}

var seedNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// seedSome seeds a little of every workload whose ids come only from the
// seeder's entropy.
func seedSome(t *testing.T, ids *rand.ChaCha8) []store.Item {
	t.Helper()
	r := &recorder{}
	s := NewSeeder(r, "tenant", seedNow)
	if ids != nil {
		s.WithIDs(ids)
	}
	s.Mailbox("u1")
	s.Message("u1", SeedMessage{Folder: FolderID("u1", "inbox"), FromName: "A", FromAddr: "a@x", To: []string{"u1@x"}, Subject: "Hi", Body: "<b>Hello</b>",
		Attachment: &SeedAttachment{Name: "a.txt", ContentType: "text/plain", Content: []byte("x")}})
	s.Calendar("u1", "User One", "u1@x")
	s.Event("u1", "User One", "u1@x", SeedEvent{Subject: "Sync", Start: seedNow, Duration: time.Hour, Weekly: 3})
	s.Task("u1", s.TodoList("u1"), "Do", "notStarted", nil)
	s.Chat("", []ChatMember{{ID: "u1", Name: "One"}, {ID: "u2", Name: "Two"}}, []struct {
		From int
		Text string
	}{{0, "hi"}})
	s.Contact("u1", SeedContact{GivenName: "Kim", Surname: "Akers"})
	nb := s.Notebook("u1", "User One", "Notes", true, false)
	s.NotebookPage("u1", s.NotebookSection("u1", nb, "Quick", true), "Page", "<p>x</p>")
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	return r.items
}

// TestSeederIDs: the same id stream seeds the same items (graphgate's
// --seed), another stream or crypto/rand other ids.
func TestSeederIDs(t *testing.T) {
	a := seedSome(t, rand.NewChaCha8([32]byte{1}))
	b := seedSome(t, rand.NewChaCha8([32]byte{1}))
	if !reflect.DeepEqual(a, b) {
		t.Fatal("one id stream seeded different items")
	}
	ids := func(items []store.Item) map[string]bool {
		m := map[string]bool{}
		for _, it := range items {
			m[it.Kind+"/"+it.ID] = true
		}
		return m
	}
	for name, other := range map[string][]store.Item{"another stream": seedSome(t, rand.NewChaCha8([32]byte{2})), "crypto/rand": seedSome(t, nil)} {
		same := 0
		for id := range ids(other) {
			if ids(a)[id] {
				same++
			}
		}
		// The well-known ids (folders, calendar, list) derive from the owner.
		if want := len(WellKnownFolders) + 2; same != want {
			t.Errorf("%s: %d ids in common with the first stream, want the %d well-known ones", name, same, want)
		}
	}
}

// find returns the items of a kind.
func find(items []store.Item, kind string) []store.Item {
	var out []store.Item
	for _, it := range items {
		if it.Kind == kind {
			out = append(out, it)
		}
	}
	return out
}

func decode[T any](t *testing.T, it store.Item) T {
	t.Helper()
	v, err := DecodeDoc[T](it)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSeederEvents: a series stores its type and the end of its last
// occurrence; attendees with a calendar get an invitation awaiting their
// response, others none.
func TestSeederEvents(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday
	for _, tc := range []struct {
		name      string
		e         SeedEvent
		typ       string
		seriesEnd string
		invited   int
	}{
		{"single", SeedEvent{Start: start, Duration: time.Hour}, "singleInstance", "", 0},
		{"weekly, 3", SeedEvent{Start: start, Duration: time.Hour, Weekly: 3}, "seriesMaster", StoredTime(start.AddDate(0, 0, 14).Add(time.Hour)), 0},
		{"daily, no end", SeedEvent{Start: start, Duration: 30 * time.Minute, Daily: true}, "seriesMaster", "", 0},
		// 1:00 in Los Angeles, kept across the change to daylight saving
		// time on 8 March: the second occurrence ends at 2:00 PDT.
		{"weekly across DST", SeedEvent{Start: start, Duration: time.Hour, Weekly: 2, TimeZone: "Pacific Standard Time"}, "seriesMaster",
			StoredTime(time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)), 0},
		{"attendees", SeedEvent{Start: start, Duration: time.Hour, Attendees: []string{"Two@x", "stranger@y", "one@x"}}, "singleInstance", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			s := NewSeeder(r, "tenant", seedNow)
			s.Calendar("u1", "One", "one@x")
			s.Calendar("u2", "Two", "two@x")
			id := s.Event("u1", "One", "one@x", tc.e)
			if err := s.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			events := find(r.items, KindEvent)
			if len(events) != 1+tc.invited {
				t.Fatalf("%d events, want %d", len(events), 1+tc.invited)
			}
			for _, it := range events {
				e := decode[Event](t, it)
				if e.Type != tc.typ || e.SeriesEnd != tc.seriesEnd {
					t.Errorf("type %q seriesEnd %q, want %q %q", e.Type, e.SeriesEnd, tc.typ, tc.seriesEnd)
				}
				own := it.ID == id
				if own != (it.OwnerID == "u1") || e.IsOrganizer != own || it.ParentID != DefaultCalendarID(it.OwnerID) {
					t.Errorf("event %s of %s in %s: organizer %v", it.ID, it.OwnerID, it.ParentID, e.IsOrganizer)
				}
				if want := map[bool]string{true: "organizer", false: "notResponded"}[own]; e.ResponseStatus.Response != want {
					t.Errorf("response %q, want %q", e.ResponseStatus.Response, want)
				}
			}
		})
	}
}

// TestSeederDrive: files and folders count in their folders' sizes and
// child counts; content is stored beside the item; a share marks the item
// shared.
func TestSeederDrive(t *testing.T) {
	r := &recorder{}
	s := NewSeeder(r, "tenant", seedNow)
	owner := SeedDriveOwner{ID: "u1", DisplayName: "One", UserPrincipalName: "one@contoso.com"}
	root := s.Drive(owner)
	docs := s.DriveFolder("u1", root, "Docs")
	f1 := s.DriveFile("u1", docs, "a.txt", []byte("hello"))
	s.DriveFile("u1", root, "b.bin", []byte("12345678"))
	s.DriveShare("u1", f1, SeedDriveOwner{ID: "u2", DisplayName: "Two", UserPrincipalName: "two@contoso.com"}, "read")
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	items := map[string]DriveItem{}
	for _, it := range find(r.items, KindDriveItem) {
		items[it.ID] = decode[DriveItem](t, it)
	}
	for _, tc := range []struct {
		id       string
		size     int64
		children int // -1: a file
	}{{root, 13, 2}, {docs, 5, 1}, {f1, 5, -1}} {
		d := items[tc.id]
		if d.Size != tc.size {
			t.Errorf("%s: size %d, want %d", d.Name, d.Size, tc.size)
		}
		switch {
		case tc.children < 0 && (d.File == nil || d.File.MimeType != "text/plain" || d.File.Hashes.QuickXorHash == ""):
			t.Errorf("%s: file facet %+v", d.Name, d.File)
		case tc.children >= 0 && (d.Folder == nil || d.Folder.ChildCount != tc.children):
			t.Errorf("%s: folder facet %+v, want %d children", d.Name, d.Folder, tc.children)
		}
	}
	if items[f1].Shared == nil || items[f1].Shared.Owner.User == nil || items[f1].Shared.Owner.User.ID != "u1" {
		t.Errorf("shared facet %+v", items[f1].Shared)
	}
	shares := find(r.items, KindDriveShare)
	if len(shares) != 1 || shares[0].ID != ShareID(f1, "u2") || shares[0].OwnerID != "u2" {
		t.Fatalf("shares %+v", shares)
	}
	contents := find(r.items, KindDriveContent)
	if len(contents) != 2 {
		t.Fatalf("%d contents, want 2", len(contents))
	}
	var c DriveContent
	for _, it := range contents {
		if it.ID == f1 {
			c = decode[DriveContent](t, it)
		}
	}
	if c.Data != b64([]byte("hello")) {
		t.Errorf("content %q", c.Data)
	}
}

// TestPresenceEffective: the preferred presence wins while it lasts, then
// the latest live session, then Offline; expired ones are dropped.
func TestPresenceEffective(t *testing.T) {
	now := seedNow
	later, earlier := StoredTime(now.Add(time.Hour)), StoredTime(now.Add(-time.Second))
	for _, tc := range []struct {
		name          string
		p             Presence
		avail, act    string
		sessions      int
		keepPreferred bool
	}{
		{"nothing", Presence{}, "Offline", "Offline", 0, false},
		{"a session", Presence{Sessions: []PresenceSession{{Availability: "Busy", Activity: "InACall", Expires: later}}}, "Busy", "InACall", 1, false},
		{"the latest live session", Presence{Sessions: []PresenceSession{{Availability: "Busy", Activity: "Busy", Expires: later},
			{Availability: "Away", Activity: "Away", Expires: later}, {Availability: "DoNotDisturb", Activity: "Presenting", Expires: earlier}}}, "Away", "Away", 2, false},
		{"preferred over sessions", Presence{Sessions: []PresenceSession{{Availability: "Busy", Activity: "Busy", Expires: later}},
			Preferred: &PresenceSession{Availability: "DoNotDisturb", Activity: "DoNotDisturb", Expires: later}}, "DoNotDisturb", "DoNotDisturb", 1, true},
		{"expired preference", Presence{Preferred: &PresenceSession{Availability: "Available", Activity: "Available", Expires: earlier}}, "Offline", "Offline", 0, false},
	} {
		p := tc.p
		p.Effective(now)
		if p.Availability != tc.avail || p.Activity != tc.act || len(p.Sessions) != tc.sessions || (p.Preferred != nil) != tc.keepPreferred {
			t.Errorf("%s: %s/%s, %d sessions, preferred %v", tc.name, p.Availability, p.Activity, len(p.Sessions), p.Preferred)
		}
	}
}

// TestStoredTimes: stored date-times are fixed-width UTC and read back to
// the instant; StoredDTZ keeps the zone's wall clock and the UTC instant,
// and falls back to UTC for an unknown zone.
func TestStoredTimes(t *testing.T) {
	at := time.Date(2026, 7, 1, 16, 30, 0, 120_000_000, time.FixedZone("x", 2*3600))
	back, err := ParseStoredTime(StoredTime(at))
	if err != nil || !back.Equal(at) {
		t.Fatalf("round trip %v: %v, %v", at, back, err)
	}
	if a, b := StoredTime(at), StoredTime(at.Add(time.Hour)); len(a) != len(b) || a >= b {
		t.Errorf("stored times do not sort as text: %s, %s", a, b)
	}
	for _, tc := range []struct{ zone, dateTime, wantZone string }{
		{"Pacific Standard Time", "2026-07-01T07:30:00.1200000", "Pacific Standard Time"},
		{"Europe/Paris", "2026-07-01T16:30:00.1200000", "Europe/Paris"},
		{"Nowhere/Else", "2026-07-01T14:30:00.1200000", "UTC"},
	} {
		d := StoredDTZ(at, tc.zone)
		if d.DateTime != tc.dateTime || d.TimeZone != tc.wantZone || d.UTC != StoredTime(at) {
			b, _ := json.Marshal(d)
			t.Errorf("%s: %s", tc.zone, b)
		}
	}
}
