package cli

import (
	"log/slog"
	"runtime/debug"
)

// The garbage collector's settings of 'graphgate serve', unless the
// environment sets GOGC or GOMEMLIMIT (then both are the user's: Go reads
// them itself, and serve changes neither).
//
// The server's live heap is small (about 20 MB for the demo tenant under
// the throughput harness's load) and every request allocates a few
// kilobytes that die with it, so at Go's default (GOGC=100: collect when
// the heap has doubled) a loaded server collects several times a second
// and spends about a tenth of its CPU marking the same live heap
// (bench/README.md: "The collector's settings"). Collecting at five times
// the live heap instead (GOGC=400), as the one-shot commands do
// (startingHeapPercent), cuts that to a third (GET /me) or two thirds (a
// messages page, whose caches the limit below counts). The soft memory
// limit bounds what that costs in memory: when the Go heap, stacks and
// runtime reach serveMemoryLimit the collector runs sooner, whatever GOGC
// says, so the resident size stays under the throughput harness's 150 MiB
// target and the scale runs' 200 MB (SQLite's page caches and the
// executable's pages come on top of the limit). A live heap beyond the
// limit still works: the runtime then caps the collector at about half the
// CPU and lets the heap grow rather than fail.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 96 << 20
)

// gcSettings is what serve sets given the environment's GOGC and
// GOMEMLIMIT (lookup is os.LookupEnv): apply false when either is set.
func gcSettings(lookup func(string) (string, bool)) (percent int, limit int64, apply bool) {
	if _, ok := lookup("GOGC"); ok {
		return 0, 0, false
	}
	if _, ok := lookup("GOMEMLIMIT"); ok {
		return 0, 0, false
	}
	return serveGCPercent, serveMemoryLimit, true
}

// tuneServeGC applies gcSettings and says at debug level what it chose.
func tuneServeGC(log *slog.Logger, lookup func(string) (string, bool)) {
	percent, limit, apply := gcSettings(lookup)
	if !apply {
		log.Debug("garbage collector: GOGC or GOMEMLIMIT set in the environment, left as set")
		return
	}
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(limit)
	log.Debug("garbage collector", "gcPercent", percent, "memoryLimitBytes", limit)
}
