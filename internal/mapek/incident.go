package mapek

import (
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Incident follows one (symptom kind, subject) from detection to resolution.
type Incident struct {
	// ID numbers the incidents of a Loop from 1.
	ID uint64
	// Kind and Subject are the symptom's.
	Kind    SymptomKind
	Subject identity.NodeID
	// Decider is what raised the symptom first.
	Decider Decider
	// FaultOnset is when the fault began, if the caller knows it (a
	// simulator that injected it); the Loop never sets it.
	FaultOnset time.Time
	// DetectedAt is when the symptom's evidence began, as far as the
	// windows tell; AnalyzedAt is the Step that first raised it.
	DetectedAt, AnalyzedAt time.Time
	// MitigatedAt is when the first action that removed the symptom was
	// verified (zero if none was).
	MitigatedAt time.Time
	// ResolvedAt is when the symptom was last seen gone, set once it has
	// stayed gone for ResolveAfter (zero while open).
	ResolvedAt time.Time
	// LastSeen is the last Step that raised the symptom.
	LastSeen time.Time
	// PeakSeverity is the highest severity seen.
	PeakSeverity float64
	// Actions counts the actions taken; Rung is the next rung of the
	// policy ladder.
	Actions int
	Rung    int
}

// Open reports whether the incident is not resolved yet.
func (i *Incident) Open() bool { return i.ResolvedAt.IsZero() }

// MTTD is the time to detect: DetectedAt - FaultOnset when the onset is
// known, else the detection latency AnalyzedAt - DetectedAt.
func (i *Incident) MTTD() time.Duration {
	if !i.FaultOnset.IsZero() {
		return i.DetectedAt.Sub(i.FaultOnset)
	}
	return i.AnalyzedAt.Sub(i.DetectedAt)
}

// MTTR is the time to repair: ResolvedAt - DetectedAt, or MitigatedAt -
// DetectedAt while unresolved; ok is false if neither is known.
func (i *Incident) MTTR() (d time.Duration, ok bool) {
	switch {
	case !i.ResolvedAt.IsZero():
		return i.ResolvedAt.Sub(i.DetectedAt), true
	case !i.MitigatedAt.IsZero():
		return i.MitigatedAt.Sub(i.DetectedAt), true
	}
	return 0, false
}

// Percentiles summarises a list of durations.
type Percentiles struct {
	// N is the number of durations; P50, P95 and Max are by the
	// nearest-rank method (zero when N is 0).
	N             int
	P50, P95, Max time.Duration
}

// Summarize computes the percentiles of ds (which it does not modify).
func Summarize(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p int) time.Duration {
		r := (p*len(s) + 99) / 100 // ceil(p/100 * n)
		return s[max(r, 1)-1]
	}
	return Percentiles{N: len(s), P50: rank(50), P95: rank(95), Max: s[len(s)-1]}
}

// MTTDStats summarises the MTTD of the incidents.
func MTTDStats(incs []Incident) Percentiles {
	ds := make([]time.Duration, 0, len(incs))
	for i := range incs {
		ds = append(ds, incs[i].MTTD())
	}
	return Summarize(ds)
}

// MTTRStats summarises the MTTR of the incidents that have one.
func MTTRStats(incs []Incident) Percentiles {
	ds := make([]time.Duration, 0, len(incs))
	for i := range incs {
		if d, ok := incs[i].MTTR(); ok {
			ds = append(ds, d)
		}
	}
	return Summarize(ds)
}
