package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// Dist summarises durations: N of them, P50 and P95 by nearest rank, Max.
type Dist struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	Max time.Duration `json:"max_ns"`
}

// Ratio is the delivery of the probes sent in a phase.
type Ratio struct {
	Sent      int     `json:"sent"`
	Delivered int     `json:"delivered"`
	Ratio     float64 `json:"ratio"`
}

// Delivery is the probe delivery by phase: before the faults, while they
// last, and after they were reverted (or, for faults that are not
// reverted, after FaultWindow).
type Delivery struct {
	Before Ratio `json:"before"`
	During Ratio `json:"during"`
	After  Ratio `json:"after"`
}

// Fault is an injected fault and its measurements. Times are virtual,
// since the start of the simulation; Detect, Analyze, Recovery and
// Mitigation are since Onset.
type Fault struct {
	// Kind is crash, cut, partition, flap, grayhole or handshake-flood.
	Kind  string        `json:"kind"`
	Onset time.Duration `json:"onset_ns"`
	// Reverted is when the fault was undone (zero: never).
	Reverted time.Duration `json:"reverted_ns"`
	// Nodes are the nodes at fault (link ends for link faults), Links the
	// links at fault.
	Nodes []int    `json:"nodes,omitempty"`
	Links [][2]int `json:"links,omitempty"`
	// Detected reports whether a node at or next to the fault opened an
	// incident within FaultWindow: Detect is its DetectedAt (evidence
	// onset) and Analyze its AnalyzedAt, by node DetectedBy, of kind Symptom.
	Detected   bool          `json:"detected"`
	Detect     time.Duration `json:"detect_ns"`
	Analyze    time.Duration `json:"analyze_ns"`
	DetectedBy int           `json:"detected_by"`
	Symptom    string        `json:"symptom,omitempty"`
	// AffectedPairs counts the probed pairs that lost a datagram within
	// FaultWindow; Recovered reports whether all of them delivered again,
	// the last one Recovery after the onset.
	AffectedPairs int           `json:"affected_pairs"`
	Recovered     bool          `json:"recovered"`
	Recovery      time.Duration `json:"recovery_ns"`
	// Mitigated reports whether one of the incidents that detected it was
	// mitigated (an action verified effective), Mitigation after the onset.
	Mitigated  bool          `json:"mitigated"`
	Mitigation time.Duration `json:"mitigation_ns"`
}

// ActionRecord is one healing action as the report lists it: the acting
// node, the subject (-1 for a node-wide action), what was done in answer to
// which symptom, when (since the start), on which rung of the ladder, and
// the symptom's evidence when the action was applied.
type ActionRecord struct {
	Node     int                `json:"node"`
	Subject  int                `json:"subject"`
	Action   string             `json:"action"`
	Symptom  string             `json:"symptom"`
	At       time.Duration      `json:"at_ns"`
	Rung     int                `json:"rung"`
	Evidence map[string]float64 `json:"evidence,omitempty"`
}

// String formats the record on one line, the evidence in key order.
func (a ActionRecord) String() string {
	keys := slices.Sorted(maps.Keys(a.Evidence))
	ev := make([]string, len(keys))
	for i, k := range keys {
		ev[i] = fmt.Sprintf("%s=%.4g", k, a.Evidence[k])
	}
	return fmt.Sprintf("%v node %d: %s/%s subject %d rung %d [%s]", a.At, a.Node, a.Action, a.Symptom, a.Subject, a.Rung, strings.Join(ev, " "))
}

// HealReachability measures a partition's heal: the time until every
// running node had a route to every other (checked every advance step, at
// most ProbeInterval), and until every probed pair delivered again.
type HealReachability struct {
	Routed    bool          `json:"routed"`
	Routes    time.Duration `json:"routes_ns"`
	Delivered bool          `json:"delivered"`
	Delivery  time.Duration `json:"delivery_ns"`
}

// Report is the result of a scenario. Everything but WallTime is a
// function of the scenario, the sim.Options and the Params.
type Report struct {
	Scenario      string        `json:"scenario"`
	Nodes         int           `json:"nodes"`
	Topology      sim.Topology  `json:"topology"`
	Seed          uint64        `json:"seed"`
	Links         int           `json:"links"`
	FaultRate     float64       `json:"fault_rate_per_min,omitempty"`
	Pairs         int           `json:"probe_pairs"`
	ProbeInterval time.Duration `json:"probe_interval_ns"`
	VirtualTime   time.Duration `json:"virtual_ns"`

	Faults []Fault `json:"faults"`
	// Detect, Analyze, Recovery (MTTR) and Mitigation summarise the faults
	// detected, recovered and mitigated; Undetected and Unrecovered count
	// the others.
	Detect      Dist `json:"mttd_detect"`
	Analyze     Dist `json:"mttd_analyze"`
	Recovery    Dist `json:"mttr"`
	Mitigation  Dist `json:"mitigation"`
	Undetected  int  `json:"undetected"`
	Unrecovered int  `json:"unrecovered"`

	Delivery Delivery `json:"delivery"`
	// Heal is set for partition-heal.
	Heal *HealReachability `json:"heal,omitempty"`

	// Actions and Incidents count the agents' actions and incidents by
	// kind; FailedActions the actions the node could not perform.
	Actions       map[string]int `json:"actions"`
	FailedActions int            `json:"failed_actions"`
	Incidents     map[string]int `json:"incidents"`
	// FalsePositives counts actions no injected fault explains;
	// FalsePositivesPerNodeHour divides them by nodes × virtual hours.
	FalsePositives            int     `json:"false_positives"`
	FalsePositivesPerNodeHour float64 `json:"false_positives_per_node_hour"`
	// FalsePositiveActions counts the false positives by "action/symptom".
	FalsePositiveActions map[string]int `json:"false_positive_actions"`
	// Unexplained lists the false positives one by one, oldest first.
	Unexplained []ActionRecord `json:"false_positive_list"`
	// Loops counts forwarding cycles at the end (sim.Loops).
	Loops int `json:"loops"`

	LogLines  uint64 `json:"log_lines"`
	LogSHA256 string `json:"log_sha256"`
	// WallTime is the real time the run took; it is the only field that
	// differs between runs of the same inputs.
	WallTime time.Duration `json:"wall_ns"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// rows returns the summary as (name, value) rows, shared by the text and
// Markdown writers.
func (r *Report) rows() [][2]string {
	pct := func(q Ratio) string {
		if q.Sent == 0 {
			return "-"
		}
		return fmt.Sprintf("%.4f (%d/%d)", q.Ratio, q.Delivered, q.Sent)
	}
	rows := [][2]string{
		{"scenario", r.Scenario},
		{"network", fmt.Sprintf("%s, %d nodes, %d links, seed %d", r.Topology, r.Nodes, r.Links, r.Seed)},
		{"probes", fmt.Sprintf("%d pairs every %v", r.Pairs, r.ProbeInterval)},
		{"virtual time", r.VirtualTime.String()},
		{"faults", fmt.Sprintf("%d (%d undetected, %d unrecovered)", len(r.Faults), r.Undetected, r.Unrecovered)},
		{"MTTD detect", r.Detect.String()},
		{"MTTD analyze", r.Analyze.String()},
		{"MTTR (probes)", r.Recovery.String()},
		{"mitigation (incidents)", r.Mitigation.String()},
		{"delivery before", pct(r.Delivery.Before)},
		{"delivery during", pct(r.Delivery.During)},
		{"delivery after", pct(r.Delivery.After)},
	}
	if h := r.Heal; h != nil {
		rows = append(rows, [2]string{"reachability after heal", fmt.Sprintf("routes %s, delivery %s", when(h.Routed, h.Routes), when(h.Delivered, h.Delivery))})
	}
	rows = append(rows,
		[2]string{"actions", fmt.Sprintf("%s (%d failed)", counts(r.Actions), r.FailedActions)},
		[2]string{"incidents", counts(r.Incidents)},
		[2]string{"false positives", fmt.Sprintf("%d (%.3g per node-hour): %s", r.FalsePositives, r.FalsePositivesPerNodeHour, counts(r.FalsePositiveActions))},
		[2]string{"persistent loops", fmt.Sprint(r.Loops)},
		[2]string{"event log", fmt.Sprintf("%d lines, sha256 %s", r.LogLines, r.LogSHA256)},
		[2]string{"wall time", r.WallTime.Round(time.Millisecond).String()},
	)
	return rows
}

// WriteText writes the summary as an aligned table, then one line per
// fault.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range r.rows() {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if len(r.Faults) > 0 {
		fmt.Fprintln(tw, "\t")
		fmt.Fprintln(tw, "fault\tonset\ttarget\tdetect\tanalyze\tsymptom\tpairs hit\tMTTR")
		for _, f := range r.Faults {
			fmt.Fprintln(tw, strings.Join(f.cells(), "\t"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, a := range r.Unexplained {
		if i == MaxListed {
			_, err := fmt.Fprintf(w, "... %d more false positives (JSON report)\n", len(r.Unexplained)-i)
			return err
		}
		if _, err := fmt.Fprintf(w, "false positive: %s\n", a); err != nil {
			return err
		}
	}
	return nil
}

// WriteMarkdown writes the summary and the faults as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Chaos scenario `%s`\n\n| metric | value |\n|---|---|\n", r.Scenario)
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s | %s |\n", row[0], row[1])
	}
	if len(r.Faults) > 0 {
		b.WriteString("\n| fault | onset | target | detect | analyze | symptom | pairs hit | MTTR |\n|---|---|---|---|---|---|---|---|\n")
		for _, f := range r.Faults {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(f.cells(), " | "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cells returns the fault's row.
func (f Fault) cells() []string {
	target := fmt.Sprint(f.Nodes)
	if len(f.Links) == 1 {
		target = fmt.Sprintf("%d-%d", f.Links[0][0], f.Links[0][1])
	} else if len(f.Links) > 1 {
		target = fmt.Sprintf("%d links", len(f.Links))
	}
	det, ana, sym := "-", "-", "-"
	if f.Detected {
		det, ana, sym = f.Detect.String(), f.Analyze.String(), fmt.Sprintf("%s @%d", f.Symptom, f.DetectedBy)
	}
	return []string{f.Kind, f.Onset.String(), target, det, ana, sym, fmt.Sprint(f.AffectedPairs), when(f.Recovered, f.Recovery)}
}

// String formats the distribution as "p50 …, p95 …, max … (n)".
func (d Dist) String() string {
	if d.N == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %v, p95 %v, max %v (n=%d)", d.P50, d.P95, d.Max, d.N)
}

func when(ok bool, d time.Duration) string {
	if !ok {
		return "not reached"
	}
	return d.String()
}

// counts formats a count map in key order.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
