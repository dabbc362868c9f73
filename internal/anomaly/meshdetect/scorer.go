package meshdetect

import (
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// Scorer is a mapek.Scorer backed by a Detector. The runtime hands it every Snapshot it gives the
// loop (ObserveSnapshot; heal.Agent does so when Options.Scorer implements heal's
// SnapshotObserver); after each one the Scorer classifies the node's neighbour entries from the
// node's local graph (LocalGraph: its own telemetry and its measurements of its neighbours,
// nothing else) and Score answers for a link with the probability that the neighbour is not
// normal. It has no opinion (ok false) before MinHistory of snapshots, for a neighbour not in the
// newest snapshot, and after a snapshot it could not use. A Scorer is deterministic and not safe
// for concurrent use (a Loop is not either).
type Scorer struct {
	d       *Detector
	hist    *History
	verdict map[identity.NodeID]Verdict
	err     error
}

// Verdict is the Scorer's classification of one neighbour.
type Verdict struct {
	// Class is the most probable class and Probs every class's probability.
	Class Class
	Probs [NumClasses]float64
	// Anomaly is 1 − Probs[Normal]: what Score returns.
	Anomaly float64
}

// NewScorer returns a Scorer over d.
func NewScorer(d *Detector) (*Scorer, error) {
	if d == nil || d.model == nil {
		return nil, fmt.Errorf("%w: nil detector", ErrInvalidSpec)
	}
	return &Scorer{d: d, hist: NewHistory(), verdict: make(map[identity.NodeID]Verdict)}, nil
}

// ObserveSnapshot adds the node's Snapshot taken at now and classifies its neighbours. An
// unusable snapshot (invalid, or older than the newest) clears every verdict; Err reports why.
func (s *Scorer) ObserveSnapshot(now time.Time, snap *mapek.Snapshot) {
	clear(s.verdict)
	if s.err = s.hist.Add(now, snap); s.err != nil {
		return
	}
	if s.hist.Span() < MinHistory {
		return
	}
	self := s.hist.Self()
	views := s.hist.Links()
	x := LocalGraph(&self, views)
	edges := make([][2]int, len(views))
	for k := range views {
		edges[k] = [2]int{0, k + 1}
	}
	p, err := s.d.Predict(x, edges)
	if s.err = err; err != nil {
		return
	}
	for k, id := range s.hist.Neighbours() {
		var v Verdict
		copy(v.Probs[:], p[k+1])
		v.Class = argmax(p[k+1])
		v.Anomaly = 1 - v.Probs[Normal]
		s.verdict[id] = v
	}
}

// Score implements mapek.Scorer: the probability that the link's neighbour is not normal.
func (s *Scorer) Score(f mapek.LinkFeatures) (p float64, ok bool) {
	v, ok := s.verdict[f.Peer]
	return v.Anomaly, ok
}

// Verdict returns the classification of a neighbour after the newest snapshot.
func (s *Scorer) Verdict(peer identity.NodeID) (Verdict, bool) {
	v, ok := s.verdict[peer]
	return v, ok
}

// Err returns why the newest snapshot gave no verdicts (nil if it did, or if the history is still
// shorter than MinHistory).
func (s *Scorer) Err() error { return s.err }
