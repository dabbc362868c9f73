package chaos

import (
	"math"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// AttributionSlack is how long after a fault is reverted an action of a
// node near it is still explained by it (verification and escalation of
// the incident it opened).
const AttributionSlack = 10 * time.Second

// report computes the Report of the finished run.
func (r *runner) report(name string) *Report {
	rep := &Report{
		Scenario: name, Nodes: r.s.Nodes(), Topology: r.opts.Topology, Seed: r.opts.Seed,
		Links: len(r.s.Links()), Pairs: len(r.pairs), ProbeInterval: r.p.ProbeInterval,
		VirtualTime: r.now(), Faults: []Fault{}, Actions: map[string]int{}, Incidents: map[string]int{}, FalsePositiveActions: map[string]int{},
	}
	if name == "monkey" {
		rep.FaultRate = r.p.FaultRate
	}
	incs := r.s.Incidents()
	for _, ni := range incs {
		rep.Incidents[ni.Incident.Kind.String()]++
	}
	var detect, analyze, recovery, mitigation []time.Duration
	for _, f := range r.faults {
		r.detect(f, incs)
		r.recover(f)
		if f.Detected {
			detect = append(detect, f.Detect)
			analyze = append(analyze, f.Analyze)
		} else {
			rep.Undetected++
		}
		if f.Recovered {
			recovery = append(recovery, f.Recovery)
		} else {
			rep.Unrecovered++
		}
		if f.Mitigated {
			mitigation = append(mitigation, f.Mitigation)
		}
		rep.Faults = append(rep.Faults, f.Fault)
	}
	rep.Detect, rep.Analyze = dist(detect), dist(analyze)
	rep.Recovery, rep.Mitigation = dist(recovery), dist(mitigation)
	for _, na := range r.s.Actions() {
		a := na.Action
		rep.Actions[a.Kind.String()]++
		if a.Outcome == mapek.OutcomeFailed {
			rep.FailedActions++
		}
		if !r.explained(na) {
			rep.FalsePositives++
			rep.FalsePositiveActions[a.Kind.String()+"/"+a.Symptom.String()]++
			rep.Unexplained = append(rep.Unexplained, r.record(na))
		}
	}
	hours := float64(r.s.Nodes()) * r.now().Hours()
	rep.FalsePositivesPerNodeHour = float64(rep.FalsePositives) / hours
	rep.Delivery = Delivery{
		Before: r.ratio(r.ph.beforeStart, r.ph.duringStart-InFlight),
		During: r.ratio(r.ph.duringStart-InFlight, r.ph.duringEnd),
		After:  r.ratio(r.ph.duringEnd, r.ph.afterEnd),
	}
	if r.heal != nil {
		h := *r.heal
		if d, ok := r.pairsRecovery(r.ph.duringEnd, r.ph.afterEnd, r.ph.duringEnd); ok {
			h.Delivered, h.Delivery = true, d
		}
		rep.Heal = &h
	}
	rep.Loops = r.s.Loops()
	rep.LogLines, rep.LogSHA256 = r.s.LogLines(), r.s.LogSHA256()
	return rep
}

// detect finds the first incident, analysed in f's window by a node near
// f, and the first mitigation among those incidents.
func (r *runner) detect(f *fault, incs []sim.NodeIncident) {
	for _, ni := range incs {
		in := ni.Incident
		at := in.AnalyzedAt.Sub(r.epoch())
		if !f.near[ni.Node] || at < f.Onset || at >= f.windowEnd {
			continue
		}
		// The rules' evidence windows may begin before the onset (a rate
		// over RateSamples, a ratio over the window): detection cannot
		// precede the fault, so such a DetectedAt counts as the onset.
		det := max(in.DetectedAt.Sub(r.epoch())-f.Onset, 0)
		if !f.Detected || at-f.Onset < f.Analyze || at-f.Onset == f.Analyze && det < f.Detect {
			f.Detected, f.Detect, f.Analyze = true, det, at-f.Onset
			f.DetectedBy, f.Symptom = ni.Node, in.Kind.String()
		}
		if !in.MitigatedAt.IsZero() {
			if m := in.MitigatedAt.Sub(r.epoch()) - f.Onset; !f.Mitigated || m < f.Mitigation {
				f.Mitigated, f.Mitigation = true, m
			}
		}
	}
}

// epoch returns the simulator's start time.
func (r *runner) epoch() time.Time {
	t, _ := time.Parse(time.RFC3339, sim.Start)
	return t
}

// recover computes f's MTTR over its window, which starts and ends
// InFlight early (see InFlight).
func (r *runner) recover(f *fault) {
	from, to := f.Onset-InFlight, f.windowEnd-InFlight
	d, ok := r.pairsRecovery(from, to, f.Onset)
	f.Recovered, f.Recovery = ok, d
	f.AffectedPairs = r.affected(from, to)
}

// pairsRecovery returns, for the probes sent in [from, to), the time from
// onset until every pair that was probed throughout delivers again: per
// pair, the delivery of the first datagram sent after its last loss; ok is
// false if some pair never delivered after its last loss.
func (r *runner) pairsRecovery(from, to, onset time.Duration) (time.Duration, bool) {
	byPair := r.window(from, to)
	var worst time.Duration
	for _, ps := range byPair {
		last := -1
		for k, p := range ps {
			if p.at == 0 {
				last = k
			}
		}
		if last < 0 {
			continue
		}
		if last == len(ps)-1 {
			return 0, false
		}
		worst = max(worst, ps[last+1].at-onset)
	}
	return worst, true
}

// affected counts the pairs that lost a probe sent in [from, to).
func (r *runner) affected(from, to time.Duration) int {
	n := 0
	for _, ps := range r.window(from, to) {
		if slices.ContainsFunc(ps, func(p probe) bool { return p.at == 0 }) {
			n++
		}
	}
	return n
}

// window returns the probes sent in [from, to), by pair, of the pairs
// probed at every ProbeInterval of it (their ends were up and connected).
func (r *runner) window(from, to time.Duration) [][]probe {
	byPair := make([][]probe, len(r.pairs))
	lo, _ := slices.BinarySearchFunc(r.probes, from, func(p probe, t time.Duration) int { return cmpDur(p.sent, t) })
	for _, p := range r.probes[lo:] {
		if p.sent >= to {
			break
		}
		byPair[p.pair] = append(byPair[p.pair], p)
	}
	want := int((to - from + r.p.ProbeInterval - 1) / r.p.ProbeInterval)
	for k, ps := range byPair {
		if len(ps) < want-1 { // not probed throughout: an end was down or cut off
			byPair[k] = nil
		}
	}
	return byPair
}

func cmpDur(a, b time.Duration) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ratio returns the delivery of the probes sent in [from, to).
func (r *runner) ratio(from, to time.Duration) Ratio {
	var q Ratio
	for _, p := range r.probes {
		if p.sent >= from && p.sent < to {
			q.Sent++
			if p.at != 0 {
				q.Delivered++
			}
		}
	}
	if q.Sent > 0 {
		q.Ratio = float64(q.Delivered) / float64(q.Sent)
	}
	return q
}

// explained reports whether an action is explained by an injected fault:
// its subject (the acting node for node-wide actions) is near a fault that
// began before it and ended less than AttributionSlack before it, or it
// answers a suspected partition while the network is partitioned.
func (r *runner) explained(na sim.NodeAction) bool {
	a := na.Action
	subject := na.Node
	if !a.Subject.IsZero() {
		if v, ok := r.s.Index(a.Subject); ok {
			subject = v
		}
	}
	at := a.At.Sub(r.epoch())
	for _, f := range r.faults {
		end := time.Duration(math.MaxInt64)
		if f.revertedAt != 0 {
			end = f.revertedAt + AttributionSlack
		}
		if at < f.Onset || at > end {
			continue
		}
		if f.near[subject] || f.global && a.Symptom == mapek.SymptomPartition {
			return true
		}
	}
	return false
}

// record returns the report's record of an action.
func (r *runner) record(na sim.NodeAction) ActionRecord {
	a := na.Action
	subject := -1
	if !a.Subject.IsZero() && a.Subject != mapek.LocalNode() {
		if v, ok := r.s.Index(a.Subject); ok {
			subject = v
		}
	}
	return ActionRecord{Node: na.Node, Subject: subject, Action: a.Kind.String(), Symptom: a.Symptom.String(),
		At: a.At.Sub(r.epoch()), Rung: a.Rung, Evidence: na.Evidence}
}

// dist summarises durations.
func dist(ds []time.Duration) Dist {
	p := mapek.Summarize(ds)
	return Dist{N: p.N, P50: p.P50, P95: p.P95, Max: p.Max}
}
