package clock_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// realTime are the files that may read the machine's clock, each with the
// reason. Everything else takes graphgate's one clock (a func() time.Time)
// so that `graphgate clock` moves it.
var realTime = map[string]string{
	"server/middleware.go":         "request latency and the access log's timestamps",
	"server/limits.go":             "connection deadlines and the minimum data rate",
	"server/server.go":             "the TLS certificate, which clients check against their own real clocks",
	"store/sqlite/migrate.go":      "when a schema migration ran",
	"store/postgres/snapshot.go":   "when a snapshot was saved: an operator's timestamp",
	"decisionlog/writer.go":        "the decision log is an operational log like the access log: its retention must not jump with a test's clock",
	"cli/log.go":                   "offline commands reading the decision log",
	"cli/report.go":                "offline commands reading the decision log",
	"cli/signins.go":               "offline commands reading the sign-in log",
	"store/sqlite/items.go":        "the default when no clock is set (the server sets its own)",
	"store/postgres/items.go":      "the default when no clock is set (the server sets its own)",
	"cli/admin.go":                 "offline commands on the store: no server clock to follow",
	"cli/admin_app.go":             "offline commands on the store: secret and certificate expiry from now",
	"demo/demo.go":                 "the default when no clock is given (the server gives its own)",
	"transfer/transfer.go":         "how long an export or import took",
	"bridge/account.go":            "the bridge is a client: Microsoft's tokens expire on real time",
	"bridge/sensor_todo.go":        "the bridge is a client of a real or emulated Graph",
	"bridge/sensor_calendar.go":    "the bridge is a client of a real or emulated Graph",
	"bridge/graphclient/client.go": "request latency in the bridge's log",
	"server/proxy.go":              "the proxy's connection deadlines and idle eviction",
	"cli/generate.go":              "the generator's progress and rate: an offline command",
	"demo/generate.go":             "the default when no clock is given (the generator is offline; callers may pass Now)",
}

// TestOnlyListedFilesReadRealTime keeps time.Now() out of the components
// that must follow the server's clock.
func TestOnlyListedFilesReadRealTime(t *testing.T) {
	root := filepath.Join("..")
	call := regexp.MustCompile(`\btime\.Now\(\)`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "clock/") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if call.Match(b) && realTime[rel] == "" {
			t.Errorf("internal/%s calls time.Now(): take the server's clock (a Now func() time.Time fed from clock.Controlled.Now), or list the file in realTime with the reason", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
