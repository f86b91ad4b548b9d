package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"graphgate/internal/server"
)

// TestDurability runs a real 'graphgate serve', writes to it over HTTPS
// from several clients, kills it with SIGKILL in the middle of the load,
// restarts it on the same data, and checks that every write it
// acknowledged is there, and that no change is half there: a sendMail's
// copy in the recipient's Inbox exists if and only if the copy in the
// sender's Sent Items does. Once on the embedded SQLite store, once on
// PostgreSQL.
func TestDurability(t *testing.T) {
	bin := buildGraphgate(t)
	t.Run("SQLite", func(t *testing.T) {
		crashAndCheck(t, bin, nil)
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		crashAndCheck(t, bin, []string{"--store", freshDatabase(t)})
	})
}

// writeLog records what the load sent and what the server acknowledged.
type writeLog struct {
	mu        sync.Mutex
	attempted map[string]string // subject → "mail" or "event"
	acked     map[string]string
}

func (w *writeLog) attempt(subject, kind string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempted[subject] = kind
}

func (w *writeLog) ack(subject, kind string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acked[subject] = kind
}

func crashAndCheck(t *testing.T, bin string, storeArgs []string) {
	data := t.TempDir()
	args := append([]string{"--data", data}, storeArgs...)
	caFile := server.CAFile(data)
	p := startServe(t, bin, "graphgate", args...)
	p.ready(caFile)
	tn := demoTenant(t, bin, args...)
	tok := p.token(clientCredentialsForm(tn)).str("access_token")
	megan, _ := tn.UserByKey("megan")
	adele, _ := tn.UserByKey("adele")
	run := fmt.Sprintf("dur%d", time.Now().UnixNano()%1e9)

	// The load: workers alternate between sendMail (megan → adele: two
	// copies in one transaction) and creating an event in Megan's calendar,
	// each with a unique subject, until the process dies.
	const workers = 4
	log := &writeLog{attempted: map[string]string{}, acked: map[string]string{}}
	var acked atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				subject := fmt.Sprintf("%s w%d n%d", run, w, n)
				var (
					path, kind string
					body       map[string]any
					want       int
				)
				if n%2 == 0 {
					path, kind, want = "/v1.0/users/"+megan.UserPrincipalName+"/sendMail", "mail", http.StatusAccepted
					body = map[string]any{"message": map[string]any{"subject": subject,
						"body":         map[string]any{"contentType": "text", "content": "durability"},
						"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": adele.UserPrincipalName}}}}}
				} else {
					path, kind, want = "/v1.0/users/"+megan.UserPrincipalName+"/events", "event", http.StatusCreated
					body = map[string]any{"subject": subject,
						"start": map[string]any{"dateTime": "2030-01-02T10:00:00", "timeZone": "UTC"},
						"end":   map[string]any{"dateTime": "2030-01-02T10:30:00", "timeZone": "UTC"}}
				}
				log.attempt(subject, kind)
				r, err := p.do(http.MethodPost, path, tok, jsonBody(body), "application/json")
				if err != nil {
					return // the process is gone
				}
				if r.status != want {
					t.Errorf("%s: %v", path, r)
					return
				}
				log.ack(subject, kind)
				acked.Add(1)
			}
		})
	}
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for acked.Load() < 300 && time.Now().Before(deadline) && !t.Failed() {
		time.Sleep(5 * time.Millisecond)
	}
	n := acked.Load()
	elapsed := time.Since(start)
	p.kill()
	wg.Wait()
	t.Logf("%d writes acknowledged in %v (%.0f/s) before SIGKILL; %d attempted", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), len(log.attempted))
	if n < 50 {
		t.Fatalf("only %d writes acknowledged before the kill", n)
	}

	// Restart on the same data. The token issued before the crash still
	// works: the signing key survived too.
	p2 := startServe(t, bin, "graphgate (restarted)", args...)
	restart := time.Now()
	p2.ready(caFile)
	t.Logf("restarted and healthy in %v", time.Since(restart).Round(time.Millisecond))

	inbox := subjects(t, p2, tok, "/users/"+adele.UserPrincipalName+"/mailFolders/inbox/messages", run)
	sent := subjects(t, p2, tok, "/users/"+megan.UserPrincipalName+"/mailFolders/sentitems/messages", run)
	events := subjects(t, p2, tok, "/users/"+megan.UserPrincipalName+"/events", run)

	lost, inFlightKept := 0, 0
	for subject, kind := range log.attempted {
		_, ack := log.acked[subject]
		switch kind {
		case "mail":
			in, out := inbox[subject], sent[subject]
			if in > 1 || out > 1 {
				t.Errorf("%q delivered %d times, saved %d times", subject, in, out)
			}
			if (in == 0) != (out == 0) {
				t.Errorf("half a sendMail: %q has %d inbox and %d Sent Items copies", subject, in, out)
			}
			if ack && in == 0 {
				lost++
				t.Errorf("acknowledged sendMail %q is gone", subject)
			}
			if !ack && in > 0 {
				inFlightKept++
			}
		case "event":
			if events[subject] > 1 {
				t.Errorf("event %q stored %d times", subject, events[subject])
			}
			if ack && events[subject] == 0 {
				lost++
				t.Errorf("acknowledged event %q is gone", subject)
			}
			if !ack && events[subject] > 0 {
				inFlightKept++
			}
		}
	}
	for _, m := range []map[string]int{inbox, sent, events} {
		for subject := range m {
			if _, ok := log.attempted[subject]; !ok {
				t.Errorf("%q was never sent", subject)
			}
		}
	}
	t.Logf("after the restart: %d acknowledged writes lost; %d of %d unacknowledged (in flight at the kill) committed anyway",
		lost, inFlightKept, len(log.attempted)-int(n))
}

// subjects lists a collection's items whose subject starts with prefix,
// following every page, and counts them by subject.
func subjects(t *testing.T, p *proc, tok, path, prefix string) map[string]int {
	t.Helper()
	out := map[string]int{}
	next := path + "?$select=subject&$top=500&$filter=" + url.QueryEscape("startswith(subject,'"+prefix+"')")
	for next != "" {
		r := p.graph(http.MethodGet, next, tok, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %v", next, r)
		}
		vals, _ := r.body["value"].([]any)
		for _, v := range vals {
			m, _ := v.(map[string]any)
			if s, _ := m["subject"].(string); strings.HasPrefix(s, prefix) {
				out[s]++
			}
		}
		link, _ := r.body["@odata.nextLink"].(string)
		next = strings.TrimPrefix(link, p.base+"/v1.0")
		if link != "" && next == link {
			t.Fatalf("nextLink %q is not on %s", link, p.base)
		}
	}
	return out
}
