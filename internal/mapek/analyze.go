package mapek

import (
	"bytes"
	"math"
	"sort"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// LinkFeatures are the per-neighbour features handed to a Scorer.
type LinkFeatures struct {
	// Peer is the neighbour.
	Peer identity.NodeID
	// Up is the link's current state.
	Up bool
	// Loss and RTT are the smoothed values; BaselineLoss and BaselineRTT
	// the neighbour's baseline (zero before MinBaselineSamples).
	Loss, BaselineLoss float64
	RTT, BaselineRTT   time.Duration
	// RelayRatio is Confirmed/Relayed over the window (1 without traffic).
	RelayRatio float64
	// Transitions counts up/down transitions in the window.
	Transitions int
	// Dests and FailingDests are the newest NeighbourSample's: destinations
	// judged through the neighbour and those of them failing.
	Dests, FailingDests int
}

// Scorer is the hook for a learnt anomaly score (the GraphSAGE model). Score
// returns the probability in [0, 1] that a link is anomalous, or ok false
// when it has no opinion, in which case the rules decide. A Scorer must be
// deterministic for Step to be.
type Scorer interface {
	Score(f LinkFeatures) (p float64, ok bool)
}

// severity maps how far v is past threshold t (v >= t) to (0, 1].
func severity(v, t float64) float64 {
	if t <= 0 || v >= 2*t {
		return 1
	}
	return math.Max(0.5*v/t, 0.01)
}

// analyze runs the rules over the windows and returns the symptoms sorted by
// kind and subject.
func (l *Loop) analyze(now time.Time) []Symptom {
	c := &l.cfg
	var out []Symptom
	add := func(s Symptom) {
		if s.Since.IsZero() || s.Since.After(now) {
			s.Since = now
		}
		if s.Decider == 0 {
			s.Decider = DecidedByRules
		}
		out = append(out, s)
	}

	// Handshake successes per neighbour in the window, for the
	// transport-blocked rule.
	succeeded := 0
	for _, st := range l.mon.links {
		if handshakeSuccesses(st, st.win.from(now.Add(-c.Window), linkAt)) > 0 {
			succeeded++
		}
	}

	ids := make([]identity.NodeID, 0, len(l.mon.links))
	for id := range l.mon.links {
		ids = append(ids, id)
	}
	sortIDs(ids) // the Scorer sees the links in a fixed order
	for _, id := range ids {
		st := l.mon.links[id]
		if !st.lastSeen.Equal(now) || st.win.n == 0 {
			continue // not in this Snapshot, or only a restored baseline so far
		}
		last := st.win.last()
		from := st.win.from(now.Add(-c.Window), linkAt)
		transitions, flapSince := flapRun(&st.win, from, st.flipAt, now, c.StableFor)
		flapping := transitions >= c.FlapTransitions
		if flapping {
			add(Symptom{Kind: SymptomFlappingLink, Subject: id, Metric: float64(transitions), Level: float64(transitions),
				Severity: severity(float64(transitions), float64(c.FlapTransitions)), Since: flapSince,
				Evidence: map[string]float64{"transitions": float64(transitions), "threshold": float64(c.FlapTransitions),
					"window_s": c.Window.Seconds()}})
		}
		if down := now.Sub(st.downSince); !last.up && down >= c.DeadLinkFor && !flapping {
			add(Symptom{Kind: SymptomDeadLink, Subject: id, Metric: 1, Level: 1, Severity: 1, Since: st.downSince,
				Evidence: map[string]float64{"down_s": down.Seconds(), "threshold_s": c.DeadLinkFor.Seconds()}})
		}

		// Relay counters.
		relayed := windowDelta(&st.win, from, func(s *linkSample) uint64 { return s.relayed })
		confirmed := windowDelta(&st.win, from, func(s *linkSample) uint64 { return s.confirmed })
		ratio := 1.0
		if relayed > 0 {
			ratio = float64(min(confirmed, relayed)) / float64(relayed)
		}

		feat := LinkFeatures{Peer: id, Up: last.up, Loss: st.lossEWMA,
			RTT: time.Duration(st.rttEWMA * float64(time.Second)), RelayRatio: ratio, Transitions: transitions,
			Dests: last.dests, FailingDests: last.failing}
		if st.baseline.Samples >= MinBaselineSamples {
			feat.BaselineLoss, feat.BaselineRTT = st.baseline.Loss, st.baseline.RTT
		}
		var linkSyms []Symptom
		if last.up {
			linkSyms = l.linkRules(now, st, feat, relayed, ratio)
		} else {
			st.lossSince, st.rttSince = time.Time{}, time.Time{}
		}
		if l.scorer != nil && last.up {
			if p, ok := l.scorer.Score(feat); ok && !math.IsNaN(p) {
				if p >= c.ScoreThreshold {
					if len(linkSyms) == 0 {
						linkSyms = []Symptom{{Kind: SymptomDegradedLink, Subject: id, Metric: st.lossEWMA, Level: last.loss, Since: now}}
					}
					for i := range linkSyms {
						linkSyms[i].Decider = DecidedByScorer
						linkSyms[i].Severity = p
						if linkSyms[i].Evidence == nil {
							linkSyms[i].Evidence = map[string]float64{}
						}
						linkSyms[i].Evidence["score"] = p
					}
				} else {
					linkSyms = nil
				}
			}
		}
		for _, s := range linkSyms {
			add(s)
		}
		if len(linkSyms) == 0 && !flapping && last.up && rawHealthy(c, last, feat) {
			st.updateBaseline()
		}

		// Transport blocked.
		att := windowDelta(&st.win, from, func(s *linkSample) uint64 { return s.hsAttempts })
		fail := windowDelta(&st.win, from, func(s *linkSample) uint64 { return s.hsFail })
		if att >= c.BlockedMinAttempts && att > 0 {
			fr := float64(min(fail, att)) / float64(att)
			others := succeeded
			if handshakeSuccesses(st, from) > 0 {
				others-- // this neighbour's own successes do not count
			}
			if fr >= c.BlockedFailRatio && others > 0 {
				add(Symptom{Kind: SymptomTransportBlocked, Subject: id, Metric: fr, Level: fr, Severity: severity(fr, c.BlockedFailRatio),
					Since:    firstChange(&st.win, from, linkAt, func(s *linkSample) uint64 { return s.hsFail }),
					Evidence: map[string]float64{"attempts": float64(att), "failures": float64(fail), "peers_ok": float64(others)}})
			}
		}
	}

	l.nodeRules(now, add)

	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return bytes.Compare(out[i].Subject[:], out[j].Subject[:]) < 0
	})
	return out
}

// linkRules are the degraded-link and misbehaving-relay rules of an up link.
func (l *Loop) linkRules(now time.Time, st *linkState, f LinkFeatures, relayed uint64, ratio float64) []Symptom {
	c := &l.cfg
	var out []Symptom
	last := st.win.last()
	lossLimit := c.DegradedLoss
	if f.BaselineRTT > 0 {
		lossLimit = math.Min(lossLimit, f.BaselineLoss+c.DegradedLossMargin)
	}
	rttRatio, rawRatio := 0.0, 0.0
	rttDegraded := false
	rttLimit := time.Duration(math.MaxInt64)
	if f.BaselineRTT > 0 {
		rttRatio = float64(f.RTT) / float64(f.BaselineRTT)
		rawRatio = float64(last.srtt) / float64(f.BaselineRTT)
		rttDegraded = rttRatio >= c.DegradedRTTFactor && f.RTT-f.BaselineRTT >= c.DegradedRTTMin
		rttLimit = time.Duration(c.DegradedRTTFactor * float64(f.BaselineRTT))
	}
	st.lossSince = trail(st.lossSince, last.loss >= lossLimit, now)
	st.rttSince = trail(st.rttSince, last.srtt >= rttLimit, now)
	if f.Loss >= lossLimit || rttDegraded {
		metric, level := f.Loss, last.loss
		sev := severity(f.Loss, lossLimit)
		since := st.lossSince
		if rttDegraded && f.Loss < lossLimit {
			metric, level = rttRatio, rawRatio
			sev = severity(rttRatio, c.DegradedRTTFactor)
			since = st.rttSince
		}
		out = append(out, Symptom{Kind: SymptomDegradedLink, Subject: f.Peer, Metric: metric, Level: level, Severity: sev, Since: since,
			Evidence: map[string]float64{"loss": f.Loss, "loss_limit": lossLimit, "rtt_s": f.RTT.Seconds(),
				"baseline_rtt_s": f.BaselineRTT.Seconds(), "rtt_ratio": rttRatio}})
	}
	if relayed >= c.RelayMinSamples {
		expected := 1 - last.txLoss
		deficit := expected - ratio
		if (ratio <= c.BlackholeRatio || deficit >= c.GrayholeMargin) && !l.relayRecovered(now, st, expected) && relaySpread(last) {
			ev := map[string]float64{"relayed": float64(relayed), "confirmed_ratio": ratio, "expected_ratio": expected,
				"dests": float64(last.dests), "failing_dests": float64(last.failing)}
			ambiguous := last.dests < RelaySpreadMinDests
			if ambiguous {
				ev["ambiguous"] = 1
			}
			out = append(out, Symptom{Kind: SymptomMisbehavingRelay, Subject: f.Peer, Metric: 1 - ratio, Level: 1 - ratio,
				Severity: severity(deficit, c.GrayholeMargin),
				Since:    firstChange(&st.win, st.win.from(now.Add(-c.Window), linkAt), linkAt, func(s *linkSample) uint64 { return s.relayed }),
				Evidence: ev, Ambiguous: ambiguous})
		}
	}
	return out
}

// relaySpread reports whether the newest sample of a link lets the
// misbehaving-relay rule raise its symptom: its failing destinations are
// at least RelaySpreadFraction of those judged through it, or fewer than
// RelaySpreadMinDests were judged (ambiguous evidence: the symptom is
// raised, marked Ambiguous, and Plan does not act on it).
func relaySpread(s *linkSample) bool {
	if s.dests < RelaySpreadMinDests {
		return true
	}
	return float64(s.failing) >= RelaySpreadFraction*float64(s.dests)
}

// flapRun counts the up/down transitions of the link's current flapping
// episode within the window (from index from on): the trailing run of
// transitions no two of which, nor the newest and now, are StableFor or more
// apart. A link stable (up or down) for StableFor has stopped flapping, and
// a transition after such a pause starts a new episode. since is the time
// of the sample before the episode's first transition; flipAt is the time
// of the newest transition. Slots make the times of older transitions
// exact to one slot (Window/WindowSize).
func flapRun(w *ring[linkSample], from int, flipAt, now time.Time, stable time.Duration) (transitions int, since time.Time) {
	if flipAt.IsZero() || now.Sub(flipAt) >= stable {
		return 0, time.Time{}
	}
	next := flipAt // time of the later transition of the pair being compared
	var n uint64
	for i := w.n - 1; i > from; i-- {
		d := delta(w.at(i-1).flips, w.at(i).flips)
		if d == 0 {
			continue
		}
		t := w.at(i).at
		if i == w.n-1 || t.After(next) {
			t = next // the newest transition's exact time
		}
		if next.Sub(t) >= stable {
			break
		}
		n += d
		next, since = w.at(i-1).at, w.at(i-1).at
	}
	return int(min(n, math.MaxInt32)), since
}

// relayRecovered reports whether the messages relayed through a neighbour
// within the last StableFor (at least StableMinRelayed of them) were
// answered as well as its link explains: the evidence of the
// misbehaving-relay rule has ended although the window still holds it.
func (l *Loop) relayRecovered(now time.Time, st *linkState, expected float64) bool {
	c := &l.cfg
	from := st.win.from(now.Add(-c.StableFor), linkAt)
	relayed := windowDelta(&st.win, from, relayedOf)
	if relayed < StableMinRelayed {
		return false
	}
	confirmed := windowDelta(&st.win, from, func(s *linkSample) uint64 { return s.confirmed })
	ratio := float64(min(confirmed, relayed)) / float64(relayed)
	return ratio > c.BlackholeRatio && expected-ratio < c.GrayholeMargin
}

// trail updates the start of a trailing run: since if the run goes on, now
// if it begins, zero if cond no longer holds.
func trail(since time.Time, cond bool, now time.Time) time.Time {
	switch {
	case !cond:
		return time.Time{}
	case since.IsZero():
		return now
	}
	return since
}

// nodeRules are the node-wide rules.
func (l *Loop) nodeRules(now time.Time, add func(Symptom)) {
	c := &l.cfg
	w := &l.mon.node.win
	last := w.last()
	from := w.from(now.Add(-c.Window), nodeAt)

	peak := 0
	for i := from; i < w.n; i++ {
		peak = max(peak, w.at(i).routesMax)
	}
	if peak >= c.PartitionMinRoutes {
		lost := float64(peak-last.routes) / float64(peak)
		if lost >= c.PartitionDrop {
			limit := float64(peak) * (1 - c.PartitionDrop)
			add(Symptom{Kind: SymptomPartition, Subject: LocalNode(), Metric: lost, Level: lost, Severity: severity(lost, c.PartitionDrop),
				Since:    runStart(w, from, nodeAt, func(s *nodeSample) bool { return float64(s.routes) <= limit }),
				Evidence: map[string]float64{"routes_max": float64(peak), "routes_now": float64(last.routes), "lost": lost, "window_s": c.Window.Seconds()}})
		}
	}

	qRate, qLevel, qSince := rate(w, from, nodeAt, func(s *nodeSample) uint64 { return s.queue }, c.OverloadQueueDropRate)
	cpu, mem := l.mon.node.cpuEWMA, l.mon.node.memoryEWMA
	l.mon.node.overSince = trail(l.mon.node.overSince, last.cpu >= c.OverloadCPU || last.memory >= c.OverloadMemory, now)
	if cpu >= c.OverloadCPU || mem >= c.OverloadMemory || qRate >= c.OverloadQueueDropRate {
		sev := math.Max(severity(cpu, c.OverloadCPU), severity(mem, c.OverloadMemory))
		metric, level := math.Max(cpu, mem), math.Max(last.cpu, last.memory)
		since := l.mon.node.overSince
		if qRate >= c.OverloadQueueDropRate && cpu < c.OverloadCPU && mem < c.OverloadMemory {
			sev, metric, level, since = severity(qRate, c.OverloadQueueDropRate), qRate, qLevel, qSince
		}
		add(Symptom{Kind: SymptomOverload, Subject: LocalNode(), Metric: metric, Level: level, Severity: sev, Since: since,
			Evidence: map[string]float64{"cpu": cpu, "memory": mem, "queue_drops_per_s": qRate}})
	}

	if r, lv, since := rate(w, from, nodeAt, func(s *nodeSample) uint64 { return s.forged }, c.ForgedRate); r >= c.ForgedRate {
		add(Symptom{Kind: SymptomForgedTraffic, Subject: LocalNode(), Metric: r, Level: lv, Severity: severity(r, c.ForgedRate), Since: since,
			Evidence: map[string]float64{"invalid_per_s": r, "threshold": c.ForgedRate}})
	}
	if r, lv, since := rate(w, from, nodeAt, func(s *nodeSample) uint64 { return s.hsFlood }, c.HandshakeFloodRate); r >= c.HandshakeFloodRate {
		add(Symptom{Kind: SymptomHandshakeFlood, Subject: LocalNode(), Metric: r, Level: lv, Severity: severity(r, c.HandshakeFloodRate), Since: since,
			Evidence: map[string]float64{"handshake_drops_per_s": r, "threshold": c.HandshakeFloodRate}})
	}
}

// handshakeSuccesses is the number of handshakes to a neighbour that did not
// fail within the window.
func handshakeSuccesses(st *linkState, from int) uint64 {
	att := windowDelta(&st.win, from, func(s *linkSample) uint64 { return s.hsAttempts })
	fail := windowDelta(&st.win, from, func(s *linkSample) uint64 { return s.hsFail })
	return att - min(att, fail)
}

// rawHealthy reports whether the newest sample of a link is within the
// degraded-link thresholds, so that the baseline never learns a degradation
// that the smoothed values have not caught up with yet.
func rawHealthy(c *Config, s *linkSample, f LinkFeatures) bool {
	if f.BaselineRTT == 0 {
		return s.loss < c.DegradedLoss
	}
	return s.loss < math.Min(c.DegradedLoss, f.BaselineLoss+c.DegradedLossMargin) &&
		float64(s.srtt) < c.DegradedRTTFactor*float64(f.BaselineRTT)
}
