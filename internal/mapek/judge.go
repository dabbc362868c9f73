package mapek

import (
	"fmt"
	"sort"
	"time"
)

// purpose is what an action is for, when that is not the symptom's metric.
type purpose uint8

const (
	// byMetric: the action is judged by the symptom's metric.
	byMetric purpose = iota
	// divert: RaiseCost and Quarantine move traffic off a link; they
	// cannot change the link's own loss or delay.
	divert
	// cutWork: RateLimitHandshakes against a flood makes the node stop
	// doing public-key work for it; the attacker keeps sending.
	cutWork
)

func purposeOf(a *Action) purpose {
	switch {
	case a.Kind == ActionRaiseCost || a.Kind == ActionQuarantine:
		return divert
	case a.Kind == ActionRateLimitHandshakes && a.Symptom == SymptomHandshakeFlood:
		return cutWork
	}
	return byMetric
}

// pendingAction is an applied action with the references its outcome is
// judged against.
type pendingAction struct {
	Action
	// routes is the subject's RoutesVia and relay its relayed packets per
	// second before the action (divert); work the handshakes processed in
	// full per second before it (cutWork).
	routes      int
	relay, work float64
	// by says which reference an effective action was judged by ("routes",
	// "relay", "work"), for checkHeld.
	by string
}

// beforeFrom is where the reference rates before an action start: the
// symptom's evidence, at most VerifyAfter and at least RateSpan back.
func (l *Loop) beforeFrom(now time.Time, is *incidentState) time.Time {
	t := now.Add(-l.cfg.VerifyAfter)
	if is.DetectedAt.After(t) {
		t = is.DetectedAt
	}
	if late := now.Add(-RateSpan); t.After(late) {
		t = late
	}
	return t
}

// newPending numbers and builds the action of kind for symptom s.
func (l *Loop) newPending(now time.Time, s *Symptom, is *incidentState, kind ActionKind) *pendingAction {
	p := &pendingAction{Action: Action{ID: l.nextAction, Kind: kind, Subject: s.Subject, Symptom: s.Kind, Rung: is.Rung,
		Incident: is.ID, At: now, MetricBefore: max(is.peak, s.Metric, s.Level), Outcome: OutcomePending}}
	from := l.beforeFrom(now, is)
	switch purposeOf(&p.Action) {
	case divert:
		if st := l.mon.links[s.Subject]; st != nil {
			p.routes = st.win.last().routesVia
			p.relay, _ = rateBetween(&st.win, linkAt, relayedOf, from, now)
		}
	case cutWork:
		p.work, _ = rateBetween(&l.mon.node.win, nodeAt, processedOf, from, now)
	}
	return p
}

func relayedOf(s *linkSample) uint64   { return s.relayed }
func processedOf(s *nodeSample) uint64 { return s.processed }

// served reports whether the action still does what it is for, measured
// over the samples from since to now; by names the reference that says so
// and ev holds the numbers.
func (l *Loop) served(p *pendingAction, since, now time.Time) (by string, ev map[string]float64) {
	ev = map[string]float64{}
	switch purposeOf(&p.Action) {
	case divert:
		routes, relay := 0, 0.0
		if st := l.mon.links[p.Subject]; st != nil {
			routes = st.win.last().routesVia
			relay, _ = rateBetween(&st.win, linkAt, relayedOf, since, now)
		}
		ev["routes_via_before"], ev["routes_via_after"] = float64(p.routes), float64(routes)
		ev["relayed_per_s_before"], ev["relayed_per_s_after"] = p.relay, relay
		switch {
		case p.routes > 0 && float64(routes) <= DivertFraction*float64(p.routes):
			by = "routes"
		case p.relay > 0 && relay <= DivertFraction*p.relay:
			by = "relay"
		}
	case cutWork:
		work, _ := rateBetween(&l.mon.node.win, nodeAt, processedOf, since, now)
		ev["processed_per_s_before"], ev["processed_per_s_after"] = p.work, work
		if p.work > 0 && work <= DivertFraction*p.work {
			by = "work"
		}
	}
	return by, ev
}

// settled is where the samples that judge an action's purpose start: the
// later half of the time since the action, once it has taken effect.
func settled(a *Action, now time.Time) time.Time { return now.Add(-now.Sub(a.At) / 2) }

// verify decides the outcome of the actions due for verification.
func (l *Loop) verify(now time.Time, cur map[key]*Symptom, r *StepResult, changed map[uint64]bool) {
	ids := make([]uint64, 0, len(l.pending))
	for id, p := range l.pending {
		if now.Sub(p.At) >= l.cfg.VerifyAfter {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		p := l.pending[id]
		a := &p.Action
		delete(l.pending, id)
		k := key{a.Symptom, a.Subject}
		is := l.open[k]
		a.VerifiedAt = now
		rec := AuditRecord{At: now, Stage: StageVerify, Symptom: a.Symptom, Subject: a.Subject, Action: a.Kind,
			ActionID: a.ID, Incident: a.Incident}
		mitigated := func(detail string) {
			if is != nil && is.MitigatedAt.IsZero() {
				is.MitigatedAt = now
				r.Audit = append(r.Audit, rec)
				rec = AuditRecord{At: now, Stage: StageIncident, Event: EventMitigated, Symptom: a.Symptom,
					Subject: a.Subject, ActionID: a.ID, Action: a.Kind, Incident: a.Incident, Detail: detail}
			}
		}
		s := cur[k]
		var by string
		if s != nil && purposeOf(a) != byMetric {
			by, rec.Evidence = l.served(p, settled(a, now), now)
			rec.Evidence["metric_before"], rec.Evidence["metric_after"] = a.MetricBefore, s.Metric
		}
		switch {
		case s == nil:
			a.Outcome, a.MetricAfter = OutcomeEffective, 0
			rec.Event, rec.Detail = EventEffective, "symptom gone"
			mitigated(fmt.Sprintf("%v removed the symptom", a.Kind))
		case by != "":
			a.Outcome, a.MetricAfter = OutcomeEffective, s.Metric
			rec.Event, rec.Detail = EventEffective, fmt.Sprintf("symptom persists but %v did what it is for (%s fell); holding", a.Kind, by)
			p.by = by
			if is != nil {
				is.held = p
			}
			mitigated(fmt.Sprintf("%v cut the %s the symptom costs", a.Kind, by))
		case purposeOf(a) == byMetric && s.Metric > a.MetricBefore*(1+l.cfg.WorseMargin):
			a.MetricAfter = s.Metric
			rec.Evidence = map[string]float64{"before": a.MetricBefore, "after": s.Metric}
			if err := l.act.Undo(*a); err != nil {
				a.Outcome, a.Err = OutcomeUndoFailed, err.Error()
				rec.Event, rec.Detail = EventUndoFailed, fmt.Sprintf("worse outcome; undo: %v", err)
			} else {
				a.Outcome = OutcomeRolledBack
				rec.Event, rec.Detail = EventRolledBack, "worse than the peak before the action by the symptom's metric; undone"
			}
		default:
			a.Outcome, a.MetricAfter = OutcomePersisted, s.Metric
			rec.Event, rec.Detail = EventPersisted, "symptom persisted; escalating"
			if rec.Evidence == nil {
				rec.Evidence = map[string]float64{"before": a.MetricBefore, "after": s.Metric}
			} else {
				rec.Detail = fmt.Sprintf("symptom persisted and %v did not cut what it is for; escalating", a.Kind)
			}
		}
		r.Audit = append(r.Audit, rec)
		r.Actions = append(r.Actions, *a)
		if is != nil {
			is.pending = 0
			is.peak = 0
			if a.Outcome != OutcomeEffective {
				is.Rung++
			}
			changed[is.ID] = true
		}
	}
}

// checkHeld releases the incidents whose holding action no longer does what
// it is for while the symptom persists, moving them to the next rung.
func (l *Loop) checkHeld(now time.Time, r *StepResult, changed map[uint64]bool) {
	for _, is := range l.sortedOpen() {
		p := is.held
		if p == nil || !is.cleared.IsZero() {
			continue
		}
		by, ev := l.served(p, now.Add(-l.cfg.VerifyAfter/2), now)
		if by != "" {
			continue
		}
		is.held = nil
		is.Rung++
		is.lastSkip = ""
		changed[is.ID] = true
		r.Audit = append(r.Audit, AuditRecord{At: now, Stage: StageVerify, Event: EventRegressed, Symptom: is.Kind,
			Subject: is.Subject, Action: p.Kind, ActionID: p.ID, Incident: is.ID, Evidence: ev,
			Detail: fmt.Sprintf("%v no longer cuts the %s; escalating", p.Kind, p.by)})
	}
}
