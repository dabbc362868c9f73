package roundsim

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// Report is the outcome of a run.
type Report struct {
	// Final is the last global model produced.
	Final round.GlobalModel
	// Completed counts the rounds that produced a model.
	Completed int
	// Err is the error the coordinator finished with; nil when it
	// produced every round it was asked for.
	Err error
	// Rounds has the statistics of every round started, in order.
	Rounds []*RoundStats
	// Excluded lists the clients excluded, in order.
	Excluded []Exclusion
	// Failovers counts coordinator take-overs.
	Failovers int
	// Messages and BytesSent count every message sent and its encoded
	// size; Lost counts those the network lost.
	Messages  int
	BytesSent int64
	Lost      int
	// VirtualTime is the virtual duration of the run.
	VirtualTime time.Duration
	// Log has one line per event, without vectors or key material: equal
	// logs for equal seeds.
	Log []string
}

// RoundStats describes one round.
type RoundStats struct {
	// Epoch and Round name the round.
	Epoch uint32
	Round uint64
	// Selected, Byzantine and Replied count the clients selected, the
	// Byzantine ones among them, and those whose updates were aggregated.
	Selected, Byzantine, Replied int
	// Late counts updates refused because the round had closed.
	Late int
	// Aborted reports a round without a model.
	Aborted bool
	// Messages and Bytes count the messages of the round (by the round in
	// their header) and their encoded size; Uplink counts the bytes the
	// clients sent.
	Messages int
	Bytes    int64
	Uplink   int64
	// Start and End are virtual times since the start of the run.
	Start, End time.Duration
	// Epsilon is the privacy spent up to the model of this round.
	Epsilon float64
}

// Exclusion is a client excluded by the coordinator.
type Exclusion struct {
	// Client is the excluded client and Err the coordinator's reason.
	Client round.NodeID
	Err    error
}

// BytesPerRound returns the mean bytes of the rounds that produced a
// model, 0 if none did.
func (r *Report) BytesPerRound() float64 {
	return r.perRound(func(st *RoundStats) int64 { return st.Bytes })
}

// UplinkPerRound returns the mean bytes clients sent in the rounds that
// produced a model, 0 if none did.
func (r *Report) UplinkPerRound() float64 {
	return r.perRound(func(st *RoundStats) int64 { return st.Uplink })
}

// perRound averages f over the rounds that produced a model.
func (r *Report) perRound(f func(*RoundStats) int64) float64 {
	var sum float64
	n := 0
	for _, st := range r.Rounds {
		if !st.Aborted && st.End > 0 {
			sum += float64(f(st))
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
