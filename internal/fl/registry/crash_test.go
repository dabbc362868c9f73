package registry

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// crashEnv names the store file a child process accepts versions into
// until it is killed.
const crashEnv = "X0TTA6BL4_REGISTRY_CRASH_CHILD"

// crashSeed is the seed of the network the child and the test share.
const crashSeed = 77

// crashRetain is the retention of the crash-test store, small so that
// pruning runs in most transactions.
const crashRetain = 5

// TestMain runs the crash child when the environment asks for it, and
// otherwise the tests, checking that no goroutine outlives them.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	goleak.VerifyTestMain(m)
}

// crashChild resumes from the store's current version and accepts a new
// round on it forever, rolling back one version every fourth round,
// printing each committed change, until it is killed.
func crashChild(path string) {
	fail := func(err error) {
		fmt.Println("error", err)
		os.Exit(2)
	}
	n, err := buildNet(crashSeed)
	if err != nil {
		fail(err)
	}
	s, err := Open(path, Options{Retain: crashRetain})
	if err != nil {
		fail(err)
	}
	w := bufio.NewWriter(os.Stdout)
	for {
		high, err := s.MaxRound()
		if err != nil {
			fail(err)
		}
		var parent ID
		if cur, err := s.Current(); err == nil {
			parent = cur.ID
		}
		r, err := Sign(params(high+1, parent), n.coord.Signing, n.cert)
		if err != nil {
			fail(err)
		}
		if _, err := s.Accept(r, n.verify, t0); err != nil {
			fail(err)
		}
		fmt.Fprintln(w, "accepted", r.Round)
		if r.Round%4 == 0 && !parent.IsZero() {
			if _, err := s.Rollback(parent, "crash test rollback", t0); err != nil {
				fail(err)
			}
			fmt.Fprintln(w, "rolledback", r.Round)
		}
		w.Flush()
	}
}

// TestCrashSafety kills a process accepting versions with SIGKILL, three
// times on the same file, and checks after each kill that the store
// reopens consistent, holds every committed version verified, and
// accepts the next round.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	n := newNet(t, crashSeed)
	path := filepath.Join(t.TempDir(), "crash.db")
	var round uint64 // the last round the child reported accepted
	for cycle := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		target := round + uint64(30+10*cycle)
		rolledBack := false
		read := func(line string) {
			f := strings.Fields(line)
			if len(f) != 2 || (f[0] != "accepted" && f[0] != "rolledback") {
				cmd.Process.Kill()
				t.Fatalf("child: %q", line)
			}
			v, _ := strconv.ParseUint(f[1], 10, 64)
			round, rolledBack = v, f[0] == "rolledback"
		}
		for sc.Scan() {
			read(sc.Text())
			if round >= target {
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() { // changes committed between the read and the kill
			read(sc.Text())
		}
		cmd.Wait()
		if round < target {
			t.Fatalf("cycle %d: child stopped at round %d", cycle, round)
		}

		s, err := Open(path, Options{LockTimeout: time.Second, Retain: crashRetain})
		if err != nil {
			t.Fatalf("cycle %d: reopen after SIGKILL: %v", cycle, err)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		high, err := s.MaxRound()
		if err != nil || high < round || high > round+1 { // +1: committed, killed before printing
			t.Fatalf("cycle %d: highest round %d, child reported %d: %v", cycle, high, round, err)
		}
		list, err := s.List()
		if err != nil || len(list) == 0 || len(list) > crashRetain {
			t.Fatalf("cycle %d: %d versions: %v", cycle, len(list), err)
		}
		for _, v := range list {
			r, err := s.Get(v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.verify.Verify(r, t0); err != nil {
				t.Fatalf("cycle %d: stored round %d: %v", cycle, v.Round, err)
			}
		}
		cur, err := s.Current()
		if err != nil {
			t.Fatal(err)
		}
		// Unless a rollback may have committed unreported, the last round
		// accepted is current.
		if high == round && !rolledBack && round%4 != 0 && cur.Round != round {
			t.Fatalf("cycle %d: current round %d after accepting round %d", cycle, cur.Round, round)
		}
		h, err := s.History()
		if err != nil || len(h) == 0 || h[len(h)-1].To != cur.ID {
			t.Fatalf("cycle %d: history does not end at the current version: %v", cycle, err)
		}
		for i := 1; i < len(h); i++ {
			if h[i].Seq != h[i-1].Seq+1 || h[i].From != h[i-1].To {
				t.Fatalf("cycle %d: history broken at %d: %+v after %+v", cycle, i, h[i], h[i-1])
			}
		}
		// The store is writable and continues where it stopped.
		next := n.sign(t, params(high+1, cur.ID))
		if _, err := s.Accept(next, n.verify, t0); err != nil {
			t.Fatalf("cycle %d: accept after reopen: %v", cycle, err)
		}
		round = high + 1
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
