package mapek

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// StepResult is what one Step saw and did.
type StepResult struct {
	// Err is non-nil if the Step was refused (invalid Snapshot, time going
	// back); nothing else was done then except the audit record.
	Err error
	// Symptoms are the symptoms found, sorted by kind and subject.
	Symptoms []Symptom
	// Actions are the actions applied or verified in this Step.
	Actions []Action
	// Incidents are the incidents opened or changed in this Step.
	Incidents []Incident
	// Audit are the decisions, in order.
	Audit []AuditRecord
	// Baselines is a copy of every baseline every BaselineEvery Steps (nil
	// otherwise), for the caller to persist.
	Baselines []Baseline
}

// incidentState is an open incident with its planning state.
type incidentState struct {
	Incident
	pending  uint64 // action awaiting verification, 0 if none
	cleared  time.Time
	lastSkip string
	// peak is the highest Metric or Level of the symptom since detection
	// or the last verification: what the next action is judged against.
	peak float64
	// held is the action that did what it is for while the symptom
	// persists; no other action is taken while it holds.
	held *pendingAction
}

// Loop is the MAPE-K loop of one node.
type Loop struct {
	cfg    Config
	act    Actuator
	scorer Scorer

	mon     monitor
	plan    planner
	open    map[key]*incidentState
	pending map[uint64]*pendingAction
	prev    map[key]bool // symptoms of the previous Step

	lastStep   time.Time
	steps      uint64
	nextAction uint64
	nextInc    uint64
}

// New returns a Loop with cfg (zero fields defaulted) acting through act and
// consulting scorer (nil for rules only).
func New(cfg Config, act Actuator, scorer Scorer) (*Loop, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if act == nil {
		return nil, ErrNoActuator
	}
	return &Loop{
		cfg:     cfg.withDefaults(),
		act:     act,
		scorer:  scorer,
		mon:     newMonitor(cfg.withDefaults().Window),
		plan:    planner{lastAction: make(map[key]time.Time), damp: make(map[key]*damping)},
		open:    make(map[key]*incidentState),
		pending: make(map[uint64]*pendingAction),
		prev:    make(map[key]bool),
	}, nil
}

// Config returns the Loop's configuration with defaults applied.
func (l *Loop) Config() Config { return l.cfg }

// RestoreBaselines loads baselines persisted earlier (those of unknown
// neighbours are kept until the neighbour appears or ForgetAfter passes).
func (l *Loop) RestoreBaselines(now time.Time, bs []Baseline) {
	for _, b := range bs {
		if b.Peer.IsZero() || !isFraction(b.Loss) || b.RTT < 0 {
			continue
		}
		st := l.mon.links[b.Peer]
		if st == nil {
			if len(l.mon.links) >= MaxNeighbours {
				continue
			}
			st = l.mon.newLink(b.Peer)
			st.lastSeen = now
			l.mon.links[b.Peer] = st
		}
		st.baseline = b
	}
}

// Baselines returns the baselines of the neighbours, sorted by ID.
func (l *Loop) Baselines() []Baseline {
	out := make([]Baseline, 0, len(l.mon.links))
	for _, st := range l.mon.links {
		if st.baseline.Samples > 0 {
			out = append(out, st.baseline)
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Peer[:], out[j].Peer[:]) < 0 })
	return out
}

// OpenIncidents returns the open incidents, sorted by ID.
func (l *Loop) OpenIncidents() []Incident {
	out := make([]Incident, 0, len(l.open))
	for _, is := range l.open {
		out = append(out, is.Incident)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Step runs Monitor, Analyze, Plan and Execute once on the Snapshot taken at
// now.
func (l *Loop) Step(now time.Time, snap Snapshot) StepResult {
	var r StepResult
	if err := snap.Validate(); err != nil {
		return l.refuse(now, err)
	}
	if now.Before(l.lastStep) {
		return l.refuse(now, fmt.Errorf("%w: %v before %v", ErrTimeWentBack, now, l.lastStep))
	}
	l.lastStep = now
	l.steps++

	// Monitor.
	gone, ignored := l.mon.observe(now, &snap)
	sortIDs(gone)
	for _, id := range gone {
		r.Audit = append(r.Audit, AuditRecord{At: now, Stage: StageMonitor, Event: EventForgot, Subject: id,
			Detail: fmt.Sprintf("absent from snapshots for %v", ForgetAfter)})
	}
	for _, id := range ignored {
		r.Audit = append(r.Audit, AuditRecord{At: now, Stage: StageMonitor, Event: EventIgnored, Subject: id,
			Detail: fmt.Sprintf("already tracking %d neighbours", MaxNeighbours)})
	}

	// Analyze.
	r.Symptoms = l.analyze(now)
	cur := make(map[key]*Symptom, len(r.Symptoms))
	for i := range r.Symptoms {
		s := &r.Symptoms[i]
		k := s.key()
		cur[k] = s
		if !l.prev[k] {
			l.plan.onset(&l.cfg, k, now)
			r.Audit = append(r.Audit, AuditRecord{At: now, Stage: StageAnalyze, Event: EventSymptom, Symptom: s.Kind,
				Subject: s.Subject, Decider: s.Decider, Evidence: s.Evidence,
				Detail: fmt.Sprintf("%v on %s, severity %.2f, metric %.4g", s.Kind, subjectName(s.Subject), s.Severity, s.Metric)})
		}
	}
	l.prev = make(map[key]bool, len(cur))
	for k := range cur {
		l.prev[k] = true
	}

	changed := make(map[uint64]bool)
	l.updateIncidents(now, cur, &r, changed)
	l.verify(now, cur, &r, changed)
	l.checkHeld(now, &r, changed)
	l.planAndExecute(now, cur, &r, changed)
	l.plan.gc(&l.cfg, now)

	for _, is := range l.sortedOpen() {
		if changed[is.ID] {
			r.Incidents = append(r.Incidents, is.Incident)
		}
	}
	l.resolve(now, &r)
	if l.steps%BaselineEvery == 0 {
		r.Baselines = l.Baselines()
	}
	return r
}

func (l *Loop) refuse(now time.Time, err error) StepResult {
	return StepResult{Err: err, Audit: []AuditRecord{{At: now, Stage: StageMonitor, Event: EventInvalidSnapshot, Detail: err.Error()}}}
}

func subjectName(id identity.NodeID) string {
	if id == LocalNode() {
		return "node"
	}
	return id.Short()
}

func (l *Loop) sortedOpen() []*incidentState {
	out := make([]*incidentState, 0, len(l.open))
	for _, is := range l.open {
		out = append(out, is)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// updateIncidents opens incidents for new symptoms and notes cleared ones.
func (l *Loop) updateIncidents(now time.Time, cur map[key]*Symptom, r *StepResult, changed map[uint64]bool) {
	for i := range r.Symptoms {
		s := &r.Symptoms[i]
		is := l.open[s.key()]
		if is == nil {
			l.nextInc++
			is = &incidentState{Incident: Incident{ID: l.nextInc, Kind: s.Kind, Subject: s.Subject, Decider: s.Decider,
				DetectedAt: s.Since, AnalyzedAt: now}}
			l.open[s.key()] = is
			changed[is.ID] = true
			r.Audit = append(r.Audit, AuditRecord{At: now, Stage: StageIncident, Event: EventOpened, Symptom: s.Kind,
				Subject: s.Subject, Incident: is.ID, Decider: s.Decider,
				Detail: fmt.Sprintf("evidence since %v, analyzed %v later", s.Since, now.Sub(s.Since))})
		}
		is.LastSeen = now
		is.cleared = time.Time{}
		is.peak = max(is.peak, s.Metric, s.Level)
		if s.Severity > is.PeakSeverity {
			is.PeakSeverity = s.Severity
			changed[is.ID] = true
		}
	}
	for k, is := range l.open {
		if cur[k] == nil && is.cleared.IsZero() {
			is.cleared = now
		}
	}
}

// resolve closes incidents whose symptom has been gone for ResolveAfter.
func (l *Loop) resolve(now time.Time, r *StepResult) {
	for _, is := range l.sortedOpen() {
		if is.cleared.IsZero() || now.Sub(is.cleared) < l.cfg.ResolveAfter || is.pending != 0 {
			continue
		}
		is.ResolvedAt = is.cleared
		delete(l.open, key{is.Kind, is.Subject})
		r.Incidents = append(r.Incidents, is.Incident)
		r.Audit = append(r.Audit, AuditRecord{At: now, Stage: StageIncident, Event: EventResolved, Symptom: is.Kind,
			Subject: is.Subject, Incident: is.ID, Detail: fmt.Sprintf("gone since %v", is.cleared)})
	}
}

// planAndExecute plans an action for each symptom that may be acted on and
// applies it.
func (l *Loop) planAndExecute(now time.Time, cur map[key]*Symptom, r *StepResult, changed map[uint64]bool) {
	c := &l.cfg
	left := l.plan.budgetLeft(c, now)
	for _, i := range bySeverity(r.Symptoms) {
		s := &r.Symptoms[i]
		is := l.open[s.key()]
		if is.pending != 0 {
			continue
		}
		skip := func(event, detail string, ev map[string]float64) {
			if is.lastSkip == event {
				return
			}
			is.lastSkip = event
			r.Audit = append(r.Audit, AuditRecord{At: now, Stage: StagePlan, Event: event, Symptom: s.Kind,
				Subject: s.Subject, Incident: is.ID, Decider: s.Decider, Detail: detail, Evidence: ev})
		}
		ladder := c.Policy[s.Kind]
		if len(ladder) == 0 {
			skip(EventSkipNoPolicy, "no policy for the symptom", nil)
			continue
		}
		if s.Ambiguous && now.Sub(is.AnalyzedAt) < AmbiguousRelayHold {
			skip(EventSkipAmbiguous, fmt.Sprintf("the evidence does not single out the subject; no action for %v unless it does", AmbiguousRelayHold), s.Evidence)
			continue
		}
		if is.Rung >= len(ladder) {
			skip(EventExhausted, fmt.Sprintf("all %d actions of the ladder tried", len(ladder)), nil)
			continue
		}
		if sup, pen := l.plan.suppressed(c, s.key(), now); sup {
			skip(EventSkipDamped, "flap damping suppresses the subject", map[string]float64{"penalty": pen, "reuse": c.DampReuse})
			continue
		}
		if is.held != nil {
			skip(EventSkipHeld, fmt.Sprintf("%v (action %d) still does what it is for", is.held.Kind, is.held.ID), nil)
			continue
		}
		if l.plan.coolingDown(c, cooldownKey(s.Kind, s.Subject), now) {
			skip(EventSkipCooldown, fmt.Sprintf("subject acted on less than %v ago", c.Cooldown), nil)
			continue
		}
		if left <= 0 {
			skip(EventSkipBudget, fmt.Sprintf("%d actions already taken within %v", c.BudgetActions, c.BudgetWindow), nil)
			continue
		}
		is.lastSkip = ""
		if l.execute(now, s, is, ladder, r) {
			left--
		}
		changed[is.ID] = true
	}
}

// execute applies the incident's current rung and reports whether it took
// the cooldown and a share of the budget. A rung that is not applicable on
// this node (ErrNotApplicable, errors.ErrUnsupported) takes neither, and
// the next rung is tried at once; each rung is tried at most once per
// incident, so this ends within the ladder.
func (l *Loop) execute(now time.Time, s *Symptom, is *incidentState, ladder []ActionKind, r *StepResult) bool {
	for is.Rung < len(ladder) {
		l.nextAction++
		p := l.newPending(now, s, is, ladder[is.Rung])
		a := &p.Action
		is.Actions++
		rec := AuditRecord{At: now, Stage: StageExecute, Symptom: s.Kind, Subject: s.Subject, Action: a.Kind,
			ActionID: a.ID, Incident: is.ID, Decider: s.Decider, Evidence: s.Evidence}
		err := apply(l.act, a)
		if err == nil {
			is.pending = a.ID
			l.pending[a.ID] = p
			rec.Event, rec.Detail = EventApplied, fmt.Sprintf("rung %d of %v, verify after %v", a.Rung, s.Kind, l.cfg.VerifyAfter)
		} else {
			a.Outcome, a.Err, a.VerifiedAt = OutcomeFailed, err.Error(), now
			is.Rung++
			rec.Event, rec.Detail = EventFailed, fmt.Sprintf("rung %d of %v: %v", a.Rung, s.Kind, err)
		}
		r.Audit = append(r.Audit, rec)
		r.Actions = append(r.Actions, *a)
		if err != nil && notApplicable(err) {
			rec.Detail += "; not applicable: no cooldown, next rung at once"
			r.Audit[len(r.Audit)-1] = rec
			continue
		}
		l.plan.record(cooldownKey(s.Kind, s.Subject), now)
		return true
	}
	return false
}

// notApplicable reports whether an Actuator error says the action cannot
// apply on this node at all.
func notApplicable(err error) bool {
	return errors.Is(err, ErrNotApplicable) || errors.Is(err, errors.ErrUnsupported)
}

// ResumeIDs makes the Loop number new incidents after incident and new
// actions after action (the highest IDs persisted by an earlier run), so
// that records of a restarted node do not overwrite the earlier ones.
func (l *Loop) ResumeIDs(incident, action uint64) {
	l.nextInc = max(l.nextInc, incident)
	l.nextAction = max(l.nextAction, action)
}

func sortIDs(ids []identity.NodeID) {
	sort.Slice(ids, func(i, j int) bool { return bytes.Compare(ids[i][:], ids[j][:]) < 0 })
}
