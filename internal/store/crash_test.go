package store

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

// crashEnv names the store file a child process writes to until killed.
const crashEnv = "X0TTA6BL4_STORE_CRASH_CHILD"

// recordsPerStep is the number of audit records each crash-test step writes.
const recordsPerStep = 7

// TestMain runs the crash child when the environment asks for it, and
// otherwise the tests, checking that no goroutine (bbolt's consistency
// check runs one) outlives them.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	goleak.VerifyTestMain(m)
}

// crashChild writes steps forever, printing the last sequence of each
// committed one, until it is killed.
func crashChild(path string) {
	s, err := Open(path, Options{MaxAuditRecords: 1 << 20})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for step := 1; ; step++ {
		r := stepResult(step, recordsPerStep)
		r.Baselines = append(r.Baselines, sampleBaseline(step%50+1))
		last, err := s.WriteStep(r)
		if err != nil {
			fmt.Fprintln(w, "error", err)
			w.Flush()
			os.Exit(2)
		}
		fmt.Fprintln(w, "committed", step, last)
		w.Flush()
	}
}

// TestCrashSafety kills a writer with SIGKILL mid-way and checks that the
// store reopens with every committed Step intact and no holes.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for round := 0; round < 3; round++ {
		path := filepath.Join(t.TempDir(), "crash.db")
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
		var step, seq uint64
		target := uint64(100 + 150*round)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 || f[0] != "committed" {
				cmd.Process.Kill()
				t.Fatalf("child: %q", sc.Text())
			}
			step, _ = strconv.ParseUint(f[1], 10, 64)
			seq, _ = strconv.ParseUint(f[2], 10, 64)
			if step >= target {
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for sc.Scan() { // steps committed between the read and the kill
			if f := strings.Fields(sc.Text()); len(f) == 3 {
				step, _ = strconv.ParseUint(f[1], 10, 64)
				seq, _ = strconv.ParseUint(f[2], 10, 64)
			}
		}
		cmd.Wait()
		if step < target {
			t.Fatalf("child stopped at step %d", step)
		}

		s, err := Open(path, Options{LockTimeout: time.Second, MaxAuditRecords: 1 << 20})
		if err != nil {
			t.Fatalf("reopen after SIGKILL: %v", err)
		}
		last, err := s.LastSeq()
		if err != nil {
			t.Fatal(err)
		}
		if last < seq {
			t.Fatalf("last sequence %d, but %d was committed", last, seq)
		}
		if last%recordsPerStep != 0 {
			t.Fatalf("last sequence %d: a step was written in part", last)
		}
		aud, err := s.Audit(0, MaxReadRecords)
		if err != nil {
			t.Fatal(err)
		}
		if uint64(len(aud)) != last {
			t.Fatalf("%d records up to sequence %d", len(aud), last)
		}
		for i, e := range aud {
			st, rec := i/recordsPerStep+1, i%recordsPerStep
			if e.Seq != uint64(i+1) || e.Record.Detail != fmt.Sprintf("step %d record %d", st, rec) {
				t.Fatalf("record %d: seq %d %q", i, e.Seq, e.Record.Detail)
			}
		}
		incs, err := s.Incidents()
		if err != nil || uint64(len(incs)) != last/recordsPerStep {
			t.Fatalf("%d incidents for %d steps: %v", len(incs), last/recordsPerStep, err)
		}
		if _, err := s.Actions(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Baselines(); err != nil {
			t.Fatal(err)
		}
		// The store is writable again and continues the sequence.
		next, err := s.WriteStep(stepResult(int(last/recordsPerStep)+1, recordsPerStep))
		if err != nil || next != last+recordsPerStep {
			t.Fatalf("write after reopen: %d, %v", next, err)
		}
		s.Close()
	}
}
