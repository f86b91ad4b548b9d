package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	wall, cpu time.Duration
	faults    int64
}

func main() {
	n := flag.Int("n", 20, "rounds; each runs every binary once, in alternating order")
	warmup := flag.Int("warmup", 3, "rounds run first and not counted (page cache)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: cliproc [-n rounds] [-warmup rounds] BINARY... -- ARGS...\n\n"+
			"Runs each binary with ARGS, alternating, and reports wall time, CPU time\n"+
			"(user + system) and minor page faults per binary.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	bins, args := split(flag.Args())
	if len(bins) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	fmt.Printf("load average before: %s\n", loadavg())
	var want []byte
	samples := make([][]sample, len(bins))
	for round := 0; round < *warmup+*n; round++ {
		for k := range bins {
			// Alternate the order: odd rounds run the binaries backwards.
			b := k
			if round%2 == 1 {
				b = len(bins) - 1 - k
			}
			s, out, err := run(bins[b], args)
			if err != nil {
				fail("%s: %v\n%s", bins[b], err, out)
			}
			if want == nil {
				want = out
			} else if !bytes.Equal(out, want) {
				fail("%s answers differently from %s", bins[b], bins[0])
			}
			if round >= *warmup {
				samples[b] = append(samples[b], s)
			}
		}
	}
	fmt.Printf("load average after:  %s\n", loadavg())
	fmt.Printf("%d rounds of: %s\n\n", *n, strings.Join(args, " "))
	fmt.Printf("%-28s %9s %9s %9s %9s %9s %8s\n", "binary", "wall mean", "median", "min", "cpu mean", "median", "faults")
	for b, ss := range samples {
		walls := make([]time.Duration, len(ss))
		cpus := make([]time.Duration, len(ss))
		var faults int64
		for i, s := range ss {
			walls[i], cpus[i] = s.wall, s.cpu
			faults += s.faults
		}
		fmt.Printf("%-28s %9s %9s %9s %9s %9s %8d\n", bins[b], ms(mean(walls)), ms(median(walls)), ms(slices.Min(walls)),
			ms(mean(cpus)), ms(median(cpus)), faults/int64(len(ss)))
	}
}

// split separates the binaries from the arguments at "--".
func split(a []string) (bins, args []string) {
	i := slices.Index(a, "--")
	if i < 0 {
		return a, nil
	}
	return a[:i], a[i+1:]
}

func run(bin string, args []string) (sample, []byte, error) {
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if err != nil {
		return s, out.Bytes(), err
	}
	s.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.faults = ru.Minflt
	}
	return s, out.Bytes(), nil
}

func mean(d []time.Duration) time.Duration {
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return sum / time.Duration(len(d))
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "cliproc: "+format+"\n", a...)
	os.Exit(1)
}
