package exchange

import (
	"context"
	"testing"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// TestEventRenderMatchesOldPath: the one-pass render of a view's event is
// the old path's answer (renderEvent, then graph.Project) for documents as
// graphgate writes them and as it may find them — written before eventDoc
// had some members, with members it no longer has, names in another case,
// strings that encoding/json escapes, nested dateTimeTimeZones —, with and
// without $select, in preferred zones, limited to Calendars.ReadBasic's
// properties; and an occurrence rendered from its master's shared members
// is the old path's rendering of the occurrence's document.
func TestEventRenderMatchesOldPath(t *testing.T) {
	full := model.EncodeDoc(model.Event{ID: "AAMkFull", Subject: "Plan <b>&</b> \u2028 \"q\" é 😀", Type: "singleInstance", Categories: []string{"Blue", "<red>"},
		CreatedDateTime: "2030-01-01T08:00:00.1234567Z", LastModifiedDateTime: "not a time", ReminderMinutesBeforeStart: 15, IsReminderOn: true,
		Body: model.ItemBody{ContentType: "html", Content: "<p>Agenda\n\ttab</p>"}, Start: model.StoredDTZ(time.Date(2030, 3, 10, 9, 30, 0, 0, time.UTC), "Pacific Standard Time"),
		End: model.StoredDTZ(time.Date(2030, 3, 10, 10, 30, 0, 0, time.UTC), "Pacific Standard Time"), Location: model.Location{DisplayName: "Room 1", LocationType: "default"},
		Locations: []model.Location{{DisplayName: "Room 1"}, {DisplayName: "Rüm 2"}},
		Attendees: []model.Attendee{{Type: "required", Status: model.ResponseStatus{Response: "none", Time: "0001-01-01T00:00:00Z"}, EmailAddress: model.EmailAddress{Name: "Megan", Address: "megan@contoso.com"}}},
		Organizer: model.Recipient{EmailAddress: model.EmailAddress{Name: "Adele", Address: "adele@contoso.com"}}, SeriesEnd: "2031-01-01T00:00:00.0000000Z",
		Exdates: []string{"x"}})
	docs := []struct{ name, doc string }{
		{"as written", string(full)},
		{"old, few members", `{"id":"AAMkOld","subject":"Old","type":"singleInstance","start":{"dateTime":"2030-05-01T09:00:00.0000000","timeZone":"UTC",` +
			`"utc":"2030-05-01T09:00:00.0000000Z"},"end":{"dateTime":"2030-05-01T10:00:00.0000000","timeZone":"UTC","utc":"2030-05-01T10:00:00.0000000Z"}}`},
		{"retired member, names in another case", `{"id":"AAMkGone","Subject":"Gone","type":"singleInstance","retiredProperty":{"timeZone":"UTC","utc":"x"},` +
			`"lastModifiedDateTime":"2030-01-01T00:00:00.0000000Z","start":{"dateTime":"2030-05-03T09:00:00.0000000","timeZone":"UTC","utc":"2030-05-03T09:00:00.0000000Z"},` +
			`"body":{"content":"no type"},"originalStart":null,"seriesMasterId":null,"categories":null}`},
		{"invalid UTF-8, a name given twice", "{\"id\":\"AAMkBad\",\"subject\":\"first\",\"type\":\"singleInstance\",\"subject\":\"bad \xff\xfe utf\"," +
			"\"body\":{\"content\":\"caf\xe9\",\"contentType\":\"text\"},\"categories\":[\"\xff\"],\"reminderMinutesBeforeStart\":1000}"},
		{"a number where an integer goes", `{"id":"AAMkNum","reminderMinutesBeforeStart":1e3}`},
		{"a string where an object goes", `{"id":"AAMkStr","body":"text"}`},
		{"start without its instant", `{"id":"AAMkLocal","type":"exception","originalStart":"2030-05-03T09:00:00Z","seriesMasterId":"AAMkM",` +
			`"start":{"dateTime":"2030-05-03T09:00:00.0000000","timeZone":"Tokyo Standard Time"},"changeKey":"stale"}`},
	}
	selects := [][]string{nil, {"*"}, {"subject", "start"}, {"Subject", "END", "body", "subject"}, {"id"}, {"attendees", "originalStart", "changeKey", "seriesMasterId"},
		{"categories", "createdDateTime", "lastModifiedDateTime", "location", "locations", "organizer", "recurrence", "bodyPreview"}}
	zones := []string{"UTC", "Pacific Standard Time", "Tokyo Standard Time"}
	for _, d := range docs {
		it := store.Item{TenantID: "t", Kind: model.KindEvent, ID: "AAMk" + d.name, OwnerID: "o", ParentID: "cal", Version: 7, Doc: []byte(d.doc)}
		for _, zone := range zones {
			loc, _ := model.LoadZone(zone)
			for _, basic := range []bool{false, true} {
				var allowed map[string]bool
				if basic {
					allowed = authz.LimitBasicEvent.Properties()
				}
				for _, sel := range selects {
					want, wantErr := renderOldPath(it, sel, allowed, zone, loc)
					got, err := (&viewInstance{item: it}).render(newEventRender(sel, allowed, zone, loc))
					if (err == nil) != (wantErr == nil) {
						t.Fatalf("%s: rendering: %v, the old path: %v", d.name, err, wantErr)
					}
					if err != nil {
						continue
					}
					if err := sameRender(got, want, sel); err != nil {
						t.Errorf("%s in %s, basic %v, $select %v: %v", d.name, zone, basic, sel, err)
					}
				}
			}
		}
	}
	// Occurrences of every pattern, their shared members rendered once
	// per series for the page.
	for _, tc := range recurrenceCases() {
		loc, _ := model.LoadZone(tc.zone)
		start, _ := time.ParseInLocation("2006-01-02T15:04:05", tc.start, loc)
		m := masterItem(t, "AAMkSeries", tc.name+" <&>", start, 90*time.Minute, tc.zone, tc.r)
		for _, zone := range zones {
			zl, _ := model.LoadZone(zone)
			for _, sel := range selects {
				src, err := newViewSeries(m, start.AddDate(1, 0, 0), start.AddDate(13, 0, 0), viewCursor{}, new(int64))
				if err != nil {
					t.Fatal(err)
				}
				r := newEventRender(sel, nil, zone, zl)
				for range 3 {
					inst, ok, err := src.next(context.Background())
					if err != nil || !ok {
						t.Fatalf("%s: no occurrence (%v)", tc.name, err)
					}
					occ, err := src.occurrence(inst.at)
					if err != nil {
						t.Fatal(err)
					}
					want, err := renderOldPath(occ, sel, nil, zone, zl)
					if err != nil {
						t.Fatal(err)
					}
					got, err := inst.render(r)
					if err != nil {
						t.Fatal(err)
					}
					if err := sameRender(got, want, sel); err != nil {
						t.Errorf("%s occurrence %s in %s, $select %v: %v", tc.name, occ.ID, zone, sel, err)
					}
				}
			}
		}
	}
}
