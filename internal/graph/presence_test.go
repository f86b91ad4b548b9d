package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/store"
)

func TestPresence(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Presence.Read")
	rw := e.delegated("adele", "Presence.ReadWrite")
	presence := func(token, path string) (string, string) {
		t.Helper()
		p := e.must(200, "GET", path, token, nil)
		return str(p, "availability"), str(p, "activity")
	}
	want := func(path, token, availability, activity string) {
		t.Helper()
		if a, b := presence(token, path); a != availability || b != activity {
			t.Errorf("%s = %s/%s, want %s/%s", path, a, b, availability, activity)
		}
	}

	t.Run("Get", func(t *testing.T) {
		p := e.must(200, "GET", "/me/presence", read, nil)
		if p["id"] != e.id("adele") || p["availability"] != "Available" || p["activity"] != "Available" ||
			str(p, "@odata.context") != e.base+"/$metadata#users('"+e.id("adele")+"')/presence/$entity" {
			t.Errorf("GET /me/presence = %v", p)
		}
		for _, k := range keys(p) {
			if k[0] == '_' {
				t.Errorf("internal property %s", k)
			}
		}
		// Another user's presence needs Presence.Read.All.
		want("/users/"+e.id("megan")+"/presence", e.delegated("adele", "Presence.Read.All"), "Busy", "Busy")
		r := e.do("GET", "/users/"+e.id("megan")+"/presence", read, nil)
		wantError(t, r, 403, "Forbidden", "Missing scope permissions on the request. API requires one of 'Presence.Read.All'. Scopes on the request 'Presence.Read'")
		want("/users/"+e.upn("lynne")+"/presence", e.app("Presence.Read.All"), "Away", "Away")
		// No presence ever set: offline.
		want("/users/"+e.id("admin")+"/presence", e.app("Presence.Read.All"), "Offline", "Offline")
		// Several at once.
		body := e.must(200, "POST", "/communications/getPresencesByUserId", e.delegated("adele", "Presence.Read.All"),
			map[string]any{"ids": []string{e.id("megan"), e.id("lynne"), "00000000-0000-0000-0000-000000000000"}})
		ps := list(t, body)
		if len(ps) != 2 || find(ps, "id", e.id("megan"))["availability"] != "Busy" || find(ps, "id", e.id("lynne"))["availability"] != "Away" {
			t.Errorf("getPresencesByUserId = %v", ps)
		}
	})

	t.Run("SessionAndPreferred", func(t *testing.T) {
		session := map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Busy", "activity": "InACall", "expirationDuration": "PT1H"}
		e.must(200, "POST", "/me/presence/setPresence", rw, session)
		// Adele's preferred presence (Available, seeded) wins over the session.
		want("/me/presence", read, "Available", "Available")
		e.must(200, "POST", "/me/presence/clearUserPreferredPresence", rw, map[string]any{})
		want("/me/presence", read, "Busy", "InACall")
		e.must(200, "POST", "/me/presence/setUserPreferredPresence", rw, map[string]any{"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": "PT8H"})
		want("/me/presence", read, "DoNotDisturb", "DoNotDisturb")
		e.must(200, "POST", "/me/presence/clearUserPreferredPresence", rw, map[string]any{})
		want("/me/presence", read, "Busy", "InACall")
		// The session replaces the app's previous one.
		e.must(200, "POST", "/me/presence/setPresence", rw, map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Away", "activity": "Away"})
		want("/me/presence", read, "Away", "Away")
		e.must(200, "POST", "/me/presence/clearPresence", rw, map[string]any{"sessionId": demo.HomeAssistantAppID})
		want("/me/presence", read, "Offline", "Offline")
	})

	t.Run("Expiration", func(t *testing.T) {
		// The server's clock is the real one: check the recorded expiry,
		// then move it into the past and see the presence fall back.
		items := e.srv.Store().(store.Items)
		stored := func() map[string]any {
			t.Helper()
			it, err := items.GetItem(context.Background(), demo.TenantID, graph.KindPresence, e.id("adele"))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(it.Doc, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		age := func(f func(m map[string]any)) {
			t.Helper()
			_, err := items.UpdateItem(context.Background(), demo.TenantID, graph.KindPresence, e.id("adele"), 0, func(it store.Item) (store.Item, error) {
				var m map[string]any
				if err := json.Unmarshal(it.Doc, &m); err != nil {
					return it, err
				}
				f(m)
				it.Doc, _ = json.Marshal(m)
				return it, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		past := time.Now().UTC().Add(-time.Minute).Format(store.TimeLayout)
		within := func(v any, d time.Duration) {
			t.Helper()
			at, err := time.Parse(store.TimeLayout, fmt.Sprint(v))
			if err != nil || at.Before(time.Now().Add(d-time.Minute)) || at.After(time.Now().Add(d+time.Minute)) {
				t.Errorf("expires %v, want about %s from now", v, d)
			}
		}

		e.must(200, "POST", "/me/presence/clearUserPreferredPresence", rw, map[string]any{})
		// Without expirationDuration a session lasts five minutes.
		e.must(200, "POST", "/me/presence/setPresence", rw, map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Busy", "activity": "Busy"})
		sessions, _ := stored()["_sessions"].([]any)
		if len(sessions) != 1 {
			t.Fatalf("sessions %v", sessions)
		}
		within(sessions[0].(map[string]any)["expires"], 5*time.Minute)
		want("/me/presence", read, "Busy", "Busy")
		age(func(m map[string]any) { m["_sessions"].([]any)[0].(map[string]any)["expires"] = past })
		want("/me/presence", read, "Offline", "Offline")

		// A preferred presence lasts as asked, and then the session shows.
		e.must(200, "POST", "/me/presence/setPresence", rw, map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Available", "activity": "Available", "expirationDuration": "PT2H"})
		e.must(200, "POST", "/me/presence/setUserPreferredPresence", rw, map[string]any{"availability": "BeRightBack", "activity": "BeRightBack", "expirationDuration": "PT1H"})
		within(stored()["_preferred"].(map[string]any)["expires"], time.Hour)
		want("/me/presence", read, "BeRightBack", "BeRightBack")
		age(func(m map[string]any) { m["_preferred"].(map[string]any)["expires"] = past })
		want("/me/presence", read, "Available", "Available")
		e.must(200, "POST", "/me/presence/clearPresence", rw, map[string]any{"sessionId": demo.HomeAssistantAppID})
	})

	t.Run("Invalid", func(t *testing.T) {
		// The session id must be the calling app's id.
		wantError(t, e.do("POST", "/me/presence/setPresence", rw, map[string]any{"sessionId": demo.DaemonAppID, "availability": "Busy", "activity": "InACall"}), 400, "BadRequest", "…")
		wantError(t, e.do("POST", "/me/presence/setPresence", rw, map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Available", "activity": "InACall"}), 400, "BadRequest", "…")
		for _, d := range []string{"PT1M", "PT5H", "soon"} {
			wantError(t, e.do("POST", "/me/presence/setPresence", rw, map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Busy", "activity": "Busy", "expirationDuration": d}), 400, "BadRequest", "…")
		}
		wantError(t, e.do("POST", "/me/presence/setUserPreferredPresence", rw, map[string]any{"availability": "Busy", "activity": "InACall"}), 400, "BadRequest", "…")
		wantError(t, e.do("POST", "/me/presence/setUserPreferredPresence", rw, map[string]any{"availability": "Busy", "activity": "Busy", "expirationDuration": "PT1M"}), 400, "BadRequest", "…")
		// Presence.Read cannot set.
		wantError(t, e.do("POST", "/me/presence/setPresence", read, map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Busy", "activity": "Busy"}), 403, "Forbidden", "…")
	})

	t.Run("AppSetsUsersPresence", func(t *testing.T) {
		app := e.app("Presence.ReadWrite.All")
		megan := "/users/" + e.id("megan") + "/presence"
		e.must(200, "POST", megan+"/clearUserPreferredPresence", app, map[string]any{})
		e.must(200, "POST", megan+"/setPresence", app, map[string]any{"sessionId": demo.DaemonAppID, "availability": "DoNotDisturb", "activity": "Presenting", "expirationDuration": "PT30M"})
		want(megan, app, "DoNotDisturb", "Presenting")
		wantError(t, e.do("POST", megan+"/setPresence", app, map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Busy", "activity": "Busy"}), 400, "BadRequest", "…")
	})
}
