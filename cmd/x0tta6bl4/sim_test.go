package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/chaos"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

func runSim(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newSimCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestSimCmdText(t *testing.T) {
	out, err := runSim(t, "--nodes", "9", "--topology", "ring", "--seed", "2", "--duration", "3s")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"convergence (routes complete)", "path stretch", "delivery ratio", "ring, 9 nodes"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSimCmdJSONAndLog(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "events.log")
	args := []string{"--nodes", "12", "--topology", "scale-free", "--seed", "7", "--duration", "3s",
		"--loss", "0.01", "--latency", "2ms", "--jitter", "1ms", "--json", "--event-log", logPath}
	out, err := runSim(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var rep sim.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Nodes != 12 || rep.Topology != sim.ScaleFree || !rep.Converged || rep.Traffic.Sent == 0 {
		t.Fatalf("report %+v", rep)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(bytes.Count(log, []byte("\n"))) != rep.LogLines {
		t.Fatalf("event log has %d lines, report %d", bytes.Count(log, []byte("\n")), rep.LogLines)
	}
	out2, err := runSim(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var rep2 sim.Report
	if err := json.Unmarshal([]byte(out2), &rep2); err != nil || rep2.LogSHA256 != rep.LogSHA256 {
		t.Fatalf("second run: %v, hash %s vs %s", err, rep2.LogSHA256, rep.LogSHA256)
	}
}

func TestSimCmdInvalid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nodes", "1"}, "--nodes"},
		{[]string{"--topology", "torus"}, "--topology"},
		{[]string{"--loss", "1.5"}, "--loss"},
		{[]string{"--latency", "-1ms"}, "--latency"},
		{[]string{"--jitter", "-1ms"}, "--jitter"},
		{[]string{"--duration", "0s"}, "--duration"},
		{[]string{"--bandwidth", "-5"}, "--bandwidth"},
		{[]string{"--rate", "-1"}, "--rate"},
		{[]string{"--size", "2"}, "--size"},
		{[]string{"--nodes", "4", "--duration", "100ms", "--event-log", "/nonexistent/dir/log"}, "--event-log"},
		{[]string{"extra"}, "unknown command"},
	} {
		_, err := runSim(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}

func TestSimCmdScenario(t *testing.T) {
	out, err := runSim(t, "--scenario", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range chaos.Scenarios() {
		if !strings.Contains(out, sc.Name) {
			t.Errorf("list lacks %s:\n%s", sc.Name, out)
		}
	}
	dir := t.TempDir()
	out, err = runSim(t, "--scenario", "link-cut", "--nodes", "9", "--topology", "grid", "--seed", "3", "--out", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scenario", "link-cut", "MTTD detect", "MTTR (probes)", "delivery during", "persistent loops"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, "link-cut.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep chaos.Report
	if err := json.Unmarshal(js, &rep); err != nil || rep.Scenario != "link-cut" || rep.Nodes != 9 || len(rep.Faults) != 1 {
		t.Fatalf("link-cut.json: %v, %+v", err, rep)
	}
	md, err := os.ReadFile(filepath.Join(dir, "link-cut.md"))
	if err != nil || !bytes.Contains(md, []byte("# Chaos scenario `link-cut`")) {
		t.Fatalf("link-cut.md: %v\n%s", err, md)
	}
}

func TestSimCmdScenarioInvalid(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", "torus"}, "--scenario"},
		{[]string{"--scenario", "monkey", "--fault-rate", "-1"}, "--fault-rate"},
		{[]string{"--scenario", "cascade", "--cascade-steps", "-2"}, "--cascade-steps"},
		{[]string{"--scenario", "none", "--span", "-1s"}, "--span"},
		{[]string{"--scenario", "none", "--probe-pairs", "-3"}, "--probe-pairs"},
		{[]string{"--scenario", "none", "--probe-interval", "1us"}, "--probe-interval"},
		{[]string{"--scenario", "none", "--nodes", "1"}, "--nodes"},
		{[]string{"--scenario", "link-cut", "--nodes", "4", "--topology", "line"}, "no fault target"},
		{[]string{"--scenario", "link-cut", "--nodes", "9", "--out", "/nonexistent/dir"}, "--out"},
	} {
		_, err := runSim(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}
