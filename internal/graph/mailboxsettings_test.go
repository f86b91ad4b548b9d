package graph_test

import (
	"slices"
	"testing"
)

func TestMailboxSettings(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "MailboxSettings.Read")
	rw := e.delegated("adele", "MailboxSettings.ReadWrite")
	ctx := e.base + "/$metadata#users('" + e.id("adele") + "')/mailboxSettings"

	t.Run("Get", func(t *testing.T) {
		s := e.must(200, "GET", "/me/mailboxSettings", read, nil)
		want := []string{"@odata.context", "archiveFolder", "automaticRepliesSetting", "dateFormat", "delegateMeetingMessageDeliveryOptions", "language",
			"timeFormat", "timeZone", "userPurpose", "workingHours"}
		if got := keys(s); !slices.Equal(got, want) {
			t.Errorf("mailboxSettings properties\n got %v\nwant %v", got, want)
		}
		if s["@odata.context"] != ctx || s["timeZone"] != "UTC" || str(s, "automaticRepliesSetting/status") != "disabled" ||
			str(s, "language/locale") != "en-US" || str(s, "workingHours/timeZone/name") != "UTC" {
			t.Errorf("mailboxSettings = %v", s)
		}
		if days, _ := get(s, "workingHours/daysOfWeek").([]any); len(days) != 5 {
			t.Errorf("workingHours.daysOfWeek = %v", days)
		}
		archive := str(e.must(200, "GET", "/me/mailFolders/archive", e.delegated("adele", "Mail.Read"), nil), "id")
		if s["archiveFolder"] != archive {
			t.Errorf("archiveFolder %v, the Archive folder is %s", s["archiveFolder"], archive)
		}
		ar := e.must(200, "GET", "/me/mailboxSettings/automaticRepliesSetting", read, nil)
		if ar["@odata.context"] != ctx+"/automaticRepliesSetting" || ar["status"] != "disabled" || ar["externalAudience"] != "all" {
			t.Errorf("automaticRepliesSetting = %v", ar)
		}
	})

	t.Run("AutomaticReplies", func(t *testing.T) {
		s := e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "alwaysEnabled",
			"internalReplyMessage": "Out of office", "externalReplyMessage": "Away", "externalAudience": "contactsOnly"}})
		if str(s, "automaticRepliesSetting/status") != "alwaysEnabled" || str(s, "automaticRepliesSetting/internalReplyMessage") != "Out of office" ||
			str(s, "automaticRepliesSetting/externalAudience") != "contactsOnly" {
			t.Errorf("after alwaysEnabled: %v", s["automaticRepliesSetting"])
		}
		// Scheduled needs both dates.
		wantError(t, e.do("PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "scheduled"}}),
			400, "ErrorInvalidRequest", "…")
		wantError(t, e.do("PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "scheduled",
			"scheduledStartDateTime": map[string]any{"dateTime": "2030-07-01T08:00:00", "timeZone": "UTC"}}}), 400, "ErrorInvalidRequest", "…")
		wantError(t, e.do("PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "scheduled",
			"scheduledStartDateTime": map[string]any{"dateTime": "2030-07-10T08:00:00", "timeZone": "UTC"},
			"scheduledEndDateTime":   map[string]any{"dateTime": "2030-07-01T08:00:00", "timeZone": "UTC"}}}), 400, "ErrorInvalidScheduledOofDuration", "…")
		if st := e.must(200, "GET", "/me/mailboxSettings/automaticRepliesSetting", read, nil)["status"]; st != "alwaysEnabled" {
			t.Errorf("a refused PATCH changed the status to %v", st)
		}
		s = e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "Scheduled",
			"scheduledStartDateTime": map[string]any{"dateTime": "2030-07-01T08:00:00", "timeZone": "Pacific Standard Time"},
			"scheduledEndDateTime":   map[string]any{"dateTime": "2030-07-10T17:00:00", "timeZone": "Pacific Standard Time"}}})
		ar := s["automaticRepliesSetting"].(map[string]any)
		if ar["status"] != "scheduled" || str(ar, "scheduledStartDateTime/dateTime") != "2030-07-01T08:00:00.0000000" ||
			str(ar, "scheduledStartDateTime/timeZone") != "Pacific Standard Time" || str(ar, "scheduledEndDateTime/dateTime") != "2030-07-10T17:00:00.0000000" {
			t.Errorf("after scheduled: %v", ar)
		}
		s = e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "disabled"}})
		if str(s, "automaticRepliesSetting/status") != "disabled" {
			t.Errorf("after disabled: %v", s["automaticRepliesSetting"])
		}
		wantError(t, e.do("PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "sometimes"}}), 400, "BadRequest", "…")
		// MailboxSettings.Read cannot change them.
		wantError(t, e.do("PATCH", "/me/mailboxSettings", read, map[string]any{"timeZone": "UTC"}), 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	})

	t.Run("PreferTimeZoneOnSchedule", func(t *testing.T) {
		e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "scheduled",
			"scheduledStartDateTime": map[string]any{"dateTime": "2030-07-01T08:00:00", "timeZone": "Pacific Standard Time"},
			"scheduledEndDateTime":   map[string]any{"dateTime": "2030-12-10T17:00:00", "timeZone": "Pacific Standard Time"}}})
		for _, c := range []struct {
			name, path, prefer, zone, start, end string
		}{
			{"no Prefer: the zone it was set in", "/me/mailboxSettings", "", "Pacific Standard Time", "2030-07-01T08:00:00.0000000", "2030-12-10T17:00:00.0000000"},
			{"UTC across daylight saving", "/me/mailboxSettings", "UTC", "UTC", "2030-07-01T15:00:00.0000000", "2030-12-11T01:00:00.0000000"},
			{"Windows zone name", "/me/mailboxSettings", "W. Europe Standard Time", "W. Europe Standard Time", "2030-07-01T17:00:00.0000000", "2030-12-11T02:00:00.0000000"},
			{"IANA name on the property", "/me/mailboxSettings/automaticRepliesSetting", "Asia/Tokyo", "Asia/Tokyo", "2030-07-02T00:00:00.0000000", "2030-12-11T10:00:00.0000000"},
			{"unknown zone ignored", "/me/mailboxSettings/automaticRepliesSetting", "Nowhere", "Pacific Standard Time", "2030-07-01T08:00:00.0000000", "2030-12-10T17:00:00.0000000"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var opts []opt
				if c.prefer != "" {
					opts = append(opts, header("Prefer", `outlook.timezone="`+c.prefer+`"`))
				}
				r := e.do("GET", c.path, read, nil, opts...)
				if r.Status != 200 {
					t.Fatalf("%d %s", r.Status, r.Raw)
				}
				ar := r.JSON
				if c.path == "/me/mailboxSettings" {
					ar = r.JSON["automaticRepliesSetting"].(map[string]any)
				}
				if str(ar, "scheduledStartDateTime/timeZone") != c.zone || str(ar, "scheduledStartDateTime/dateTime") != c.start ||
					str(ar, "scheduledEndDateTime/timeZone") != c.zone || str(ar, "scheduledEndDateTime/dateTime") != c.end {
					t.Errorf("schedule = %v / %v", ar["scheduledStartDateTime"], ar["scheduledEndDateTime"])
				}
				if applied := r.Header.Get("Preference-Applied"); (c.zone == c.prefer) != (applied != "") {
					t.Errorf("Preference-Applied %q", applied)
				}
			})
		}
		// The PATCH answer follows Prefer too; storage keeps the zone set.
		s := e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"internalReplyMessage": "Away"}},
			header("Prefer", `outlook.timezone="UTC"`))
		if str(s, "automaticRepliesSetting/scheduledStartDateTime/dateTime") != "2030-07-01T15:00:00.0000000" {
			t.Errorf("PATCH answer with Prefer UTC: %v", get(s, "automaticRepliesSetting/scheduledStartDateTime"))
		}
		if v := e.must(200, "GET", "/me/mailboxSettings", read, nil); str(v, "automaticRepliesSetting/scheduledStartDateTime/timeZone") != "Pacific Standard Time" {
			t.Errorf("stored schedule = %v", get(v, "automaticRepliesSetting/scheduledStartDateTime"))
		}
		e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"automaticRepliesSetting": map[string]any{"status": "disabled"}})
	})

	t.Run("TimeZone", func(t *testing.T) {
		s := e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"timeZone": "Pacific Standard Time"})
		if s["timeZone"] != "Pacific Standard Time" {
			t.Errorf("timeZone after PATCH = %v", s["timeZone"])
		}
		wantError(t, e.do("PATCH", "/me/mailboxSettings", rw, map[string]any{"timeZone": "Mars Standard Time"}), 400, "ErrorInvalidTimeZone", "…")
		tz := e.must(200, "GET", "/users/"+e.id("adele")+"/mailboxSettings/timeZone", read, nil)
		if tz["value"] != "Pacific Standard Time" || tz["@odata.context"] != ctx+"/timeZone" || len(tz) != 2 {
			t.Errorf("GET mailboxSettings/timeZone = %v", tz)
		}
		e.must(200, "PATCH", "/me/mailboxSettings", rw, map[string]any{"timeZone": "Europe/Berlin"})
		if v := e.must(200, "GET", "/me/mailboxSettings/timeZone", read, nil)["value"]; v != "Europe/Berlin" {
			t.Errorf("IANA time zone = %v", v)
		}
	})

	t.Run("OtherUsers", func(t *testing.T) {
		// Mailbox settings have no .Shared permission: delegated access to
		// another user's is denied, even with a mailbox delegation.
		wantError(t, e.do("GET", "/users/"+e.id("megan")+"/mailboxSettings", read, nil), 403, "ErrorAccessDenied", "…")
		s := e.must(200, "GET", "/users/"+e.id("megan")+"/mailboxSettings", e.app("MailboxSettings.Read"), nil)
		if s["timeZone"] != "UTC" {
			t.Errorf("Megan's mailboxSettings = %v", s)
		}
	})
}
