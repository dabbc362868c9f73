package chaos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// sample returns a hand-made report with one fault of each target shape.
func sample() *Report {
	return &Report{
		Scenario: "partition-heal", Nodes: 25, Topology: sim.Grid, Seed: 3, Links: 40, Pairs: 30,
		ProbeInterval: 10 * time.Millisecond, VirtualTime: 14 * time.Second,
		Faults: []Fault{
			{Kind: "partition", Onset: 5 * time.Second, Links: [][2]int{{1, 2}, {6, 7}}, Detected: true, Symptom: "partition-suspected", DetectedBy: 6, AffectedPairs: 3, Recovered: true, Recovery: 70 * time.Millisecond},
			{Kind: "cut", Onset: 6 * time.Second, Nodes: []int{3, 4}, Links: [][2]int{{3, 4}}},
			{Kind: "crash", Onset: 7 * time.Second, Nodes: []int{9}},
		},
		Detect:   Dist{N: 1, P50: time.Millisecond, P95: time.Millisecond, Max: time.Millisecond},
		Delivery: Delivery{Before: Ratio{Sent: 10, Delivered: 10, Ratio: 1}},
		Heal:     &HealReachability{Routed: true, Routes: 70 * time.Millisecond},
		Actions:  map[string]int{"quarantine": 1, "connect-spares": 2}, Incidents: map[string]int{},
		FalsePositives: 1, FalsePositiveActions: map[string]int{"quarantine/misbehaving-relay": 1},
		Unexplained: []ActionRecord{{Node: 2, Subject: 3, Action: "quarantine", Symptom: "misbehaving-relay", At: 7 * time.Second,
			Evidence: map[string]float64{"dests": 1, "ambiguous": 1}}},
		WallTime: 1234 * time.Millisecond,
	}
}

func TestWriters(t *testing.T) {
	r := sample()
	var text, md, js bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"partition-heal", "grid, 25 nodes, 40 links, seed 3", "p50 1ms, p95 1ms, max 1ms (n=1)",
		"MTTR (probes)  -", "routes 70ms, delivery not reached", "connect-spares 2, quarantine 1 (0 failed)",
		"incidents  none", "false positives  1 (0 per node-hour): quarantine/misbehaving-relay 1",
		"false positive: 7s node 2: quarantine/misbehaving-relay subject 3 rung 0 [ambiguous=1 dests=1]", "delivery during  -", "2 links", "3-4", "[9]", "partition-suspected @6", "wall time  1.234s",
	} {
		if !strings.Contains(squeeze(text.String()), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	for _, want := range []string{"# Chaos scenario `partition-heal`", "| MTTD detect | p50 1ms", "| crash | 7s | [9] | - | - | - | 0 | not reached |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Faults[0].Recovery != 70*time.Millisecond || back.Heal == nil || back.Actions["connect-spares"] != 2 || back.WallTime != r.WallTime ||
		len(back.Unexplained) != 1 || back.Unexplained[0].Evidence["dests"] != 1 {
		t.Fatalf("JSON round trip: %+v", back)
	}
}

// squeeze collapses runs of spaces to two, so that checks ignore the
// table's alignment.
func squeeze(s string) string {
	for strings.Contains(s, "   ") {
		s = strings.ReplaceAll(s, "   ", "  ")
	}
	return s
}

func TestWriteErrors(t *testing.T) {
	r := sample()
	for name, write := range map[string]func(w *failWriter) error{
		"text":     func(w *failWriter) error { return r.WriteText(w) },
		"markdown": func(w *failWriter) error { return r.WriteMarkdown(w) },
		"json":     func(w *failWriter) error { return r.WriteJSON(w) },
	} {
		if err := write(&failWriter{}); err == nil {
			t.Errorf("%s: no error from a failing writer", name)
		}
	}
}

type failWriter struct{}

func (*failWriter) Write([]byte) (int, error) { return 0, errors.New("write refused") }

// TestUnexplainedListed: the text report lists the false positives one by
// one up to MaxListed, then says how many more the JSON report holds.
func TestUnexplainedListed(t *testing.T) {
	for _, tc := range []struct {
		name         string
		n            int
		listed, more int
	}{
		{"none", 0, 0, 0},
		{"one", 1, 1, 0},
		{"all listed", MaxListed, MaxListed, 0},
		{"two beyond", MaxListed + 2, MaxListed, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sample()
			r.Unexplained = make([]ActionRecord, tc.n)
			for i := range r.Unexplained {
				r.Unexplained[i] = ActionRecord{Node: i, Subject: -1, Action: "rekey", Symptom: "forged-traffic", At: time.Second}
			}
			var b bytes.Buffer
			if err := r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(b.String(), "false positive: 1s node "); got != tc.listed {
				t.Errorf("%d listed, want %d:\n%s", got, tc.listed, b.String())
			}
			more := fmt.Sprintf("... %d more false positives", tc.more)
			if strings.Contains(b.String(), more) != (tc.more > 0) {
				t.Errorf("want %q %v:\n%s", more, tc.more > 0, b.String())
			}
		})
	}
}

// limitWriter accepts n bytes and refuses the rest.
type limitWriter struct{ n int }

func (w *limitWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("write refused")
	}
	w.n -= len(p)
	return len(p), nil
}

// TestUnexplainedWriteErrors: an error writing a listed false positive or
// the "more" line is returned.
func TestUnexplainedWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		failAt string // the writer refuses everything from this text on
	}{
		{"listed", 1, "false positive: "},
		{"more line", MaxListed + 1, "... "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sample()
			r.Unexplained = make([]ActionRecord, tc.n)
			var full bytes.Buffer
			if err := r.WriteText(&full); err != nil {
				t.Fatal(err)
			}
			limit := strings.Index(full.String(), tc.failAt)
			if limit < 0 {
				t.Fatalf("%q not written:\n%s", tc.failAt, full.String())
			}
			if err := r.WriteText(&limitWriter{n: limit}); err == nil {
				t.Errorf("no error with room for %d of %d bytes", limit, full.Len())
			}
		})
	}
}
