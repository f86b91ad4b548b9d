package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"graphgate/internal/store"
)

// Tests with other processes: the test binary runs itself as a child, which
// TestMain turns into one of the roles below when childRole is set.

const (
	childRole = "GRAPHGATE_SQLITE_TEST_ROLE" // "race", "writer", "rename" or "mail"
	childDB   = "GRAPHGATE_SQLITE_TEST_DB"   // the database directory
	childSync = "GRAPHGATE_SQLITE_TEST_SYNC" // "race": the directory of ready files
	childN    = "GRAPHGATE_SQLITE_TEST_N"    // "race": how many children
)

func TestMain(m *testing.M) {
	switch os.Getenv(childRole) {
	case "":
		os.Exit(m.Run())
	case "race":
		os.Exit(runChild(raceChild))
	case "writer":
		os.Exit(runChild(writerChild))
	case "rename":
		os.Exit(runChild(renameChild))
	case "mail":
		os.Exit(runChild(mailChild))
	default:
		os.Exit(2)
	}
}

func runChild(f func(ctx context.Context, s *Store, out *bufio.Writer) error) int {
	ctx := context.Background()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	s, err := Open(ctx, os.Getenv(childDB))
	if err == nil {
		err = f(ctx, s, out)
		s.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func startChild(t *testing.T, role string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childRole + "=" + role}, env...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

const (
	raceRounds   = 25
	raceRoundGap = 20 * time.Millisecond
	raceTenant   = "t1"
	raceUser     = "u1"
)

// errTaken is what a child's closure returns for a code redeemed before
// (the identity platform's rule, done here by hand).
var errTaken = errors.New("taken")

func codeHash(i int) []byte {
	h := sha256.Sum256([]byte(fmt.Sprint("code ", i)))
	return h[:]
}

// raceChild opens the database (the parent has not: the children race to
// create and migrate it) and creates the shared objects; then, released
// together with its siblings, in each round it bumps a counter on a shared
// user through UpdateUser and tries to redeem the round's authorization
// code, printing "won <round>" when it does.
func raceChild(ctx context.Context, s *Store, out *bufio.Writer) error {
	if err := s.CreateTenant(ctx, store.Tenant{ID: raceTenant, Kind: store.TenantWork}); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	u := store.User{ID: raceUser, TenantID: raceTenant, UserPrincipalName: "counter@contoso.com", JobTitle: "0", Version: 1}
	if err := s.CreateUser(ctx, u); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	for i := range raceRounds {
		code := store.AuthCode{Hash: codeHash(i), TenantID: raceTenant, UserID: raceUser}
		if err := s.CreateAuthCode(ctx, code); err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	t0, err := barrier()
	if err != nil {
		return err
	}
	// The children run the rounds in step (SQLite's busy waiting is not
	// fair: left alone, the first child would redeem every code before the
	// others woke up), so each code is contended.
	for i := range raceRounds {
		time.Sleep(time.Until(t0.Add(time.Duration(i) * raceRoundGap)))
		err = s.UpdateAuthCode(ctx, codeHash(i), func(c store.AuthCode) (store.AuthCode, error) {
			if !c.RedeemedAt.IsZero() {
				return c, errTaken
			}
			c.RedeemedAt, c.FamilyID = time.Now(), strconv.Itoa(os.Getpid())
			return c, nil
		})
		switch {
		case err == nil:
			fmt.Fprintln(out, "won", i)
		case !errors.Is(err, errTaken):
			return err
		}
		err := s.UpdateUser(ctx, raceTenant, raceUser, func(u store.User) (store.User, error) {
			n, err := strconv.Atoi(u.JobTitle)
			u.JobTitle = strconv.Itoa(n + 1)
			return u, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// barrier returns once every child has reached it, with a start time common
// to all: each leaves a file in the sync directory and waits for the
// others'; the start is shortly after the last file was written.
func barrier() (time.Time, error) {
	dir, n := os.Getenv(childSync), os.Getenv(childN)
	if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), nil, 0o600); err != nil {
		return time.Time{}, err
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		ready, err := os.ReadDir(dir)
		if err != nil {
			return time.Time{}, err
		}
		if strconv.Itoa(len(ready)) != n {
			continue
		}
		var last time.Time
		for _, e := range ready {
			fi, err := e.Info()
			if err != nil {
				return time.Time{}, err
			}
			if fi.ModTime().After(last) {
				last = fi.ModTime()
			}
		}
		return last.Add(100 * time.Millisecond), nil
	}
	return time.Time{}, errors.New("the other children did not reach the barrier")
}

// TestProcessesShareOneDatabase: processes opening a new database at once
// migrate it once, lose no read-modify-write, and see each authorization
// code redeemed exactly once.
func TestProcessesShareOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	db, sync := t.TempDir(), t.TempDir()
	const children = 3
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range children {
		cmd, out := startChild(t, "race", childDB+"="+db, childSync+"="+sync, childN+"="+strconv.Itoa(children))
		cmds = append(cmds, cmd)
		outs = append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
	}

	wins := make([]int, raceRounds)
	for child, out := range outs {
		t.Logf("child %d redeemed %d codes", child, strings.Count(out.String(), "won"))
		for line := range strings.Lines(out.String()) {
			var i int
			if _, err := fmt.Sscanf(line, "won %d", &i); err != nil {
				t.Fatalf("child output %q: %v", line, err)
			}
			wins[i]++
		}
	}
	for i, w := range wins {
		if w != 1 {
			t.Errorf("code %d redeemed %d times, want once", i, w)
		}
	}

	s := open(t, db)
	if got, want := appliedVersions(t, s), fmt.Sprint(versions(len(migrations()))); got != want {
		t.Errorf("applied versions %s, want %s", got, want)
	}
	u, err := s.GetUser(t.Context(), raceTenant, raceUser)
	if err != nil {
		t.Fatal(err)
	}
	if want := children * raceRounds; u.JobTitle != strconv.Itoa(want) || u.Version != int64(1+want) {
		t.Errorf("counter %s at version %d after %d updates from %d processes; want %d at version %d",
			u.JobTitle, u.Version, want, children, want, 1+want)
	}
}

// writerChild creates settings one by one, printing each name once
// SettingOrCreate has returned, until it is killed.
// Every other write is a decision log row, appended on the logs'
// connection (synchronous=NORMAL), acknowledged as "decision-N" once
// AppendDecisions has returned: a process kill must lose neither kind.
func writerChild(ctx context.Context, s *Store, out *bufio.Writer) error {
	for i := 0; ; i++ {
		name := fmt.Sprint("setting-", i)
		if _, err := s.SettingOrCreate(ctx, name, []byte(name)); err != nil {
			return err
		}
		fmt.Fprintln(out, name)
		out.Flush()
		id := fmt.Sprint("decision-", i)
		if err := s.AppendDecisions(ctx, []store.Decision{{Time: time.Now(), RequestID: id, TenantID: "t", Method: "GET", Path: "/me"}}); err != nil {
			return err
		}
		fmt.Fprintln(out, id)
		out.Flush()
	}
}

// TestAcknowledgedWritesSurviveKill: every write acknowledged before the
// process was killed with SIGKILL is there when the database is reopened:
// tenant data (synchronous=FULL) and decision log rows (the logs'
// connection, synchronous=NORMAL) alike.
func TestAcknowledgedWritesSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	db := t.TempDir()
	open(t, db).Close() // create and migrate first, so the child writes at once
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childRole+"=writer", childDB+"="+db)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// Kill it mid-stream, then collect what it acknowledged before dying.
	lines := bufio.NewScanner(stdout)
	var acked []string
	for len(acked) < 50 && lines.Scan() {
		acked = append(acked, lines.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		acked = append(acked, lines.Text())
	}
	cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("the child acknowledged %d writes", len(acked))
	}

	s := open(t, db)
	for _, name := range acked {
		if strings.HasPrefix(name, "decision-") {
			rows, err := s.ListDecisions(t.Context(), store.DecisionQuery{RequestID: name})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("acknowledged %s: %d rows after the kill, want 1", name, len(rows))
			}
			continue
		}
		v, err := s.SettingOrCreate(t.Context(), name, []byte("lost"))
		if err != nil {
			t.Fatal(err)
		}
		if string(v) != name {
			t.Fatalf("acknowledged %s is gone after the kill", name)
		}
	}
}
