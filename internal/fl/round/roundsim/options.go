package roundsim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
)

// Trainer trains a model locally: it returns the parameters after epochs
// local epochs from params, drawing any randomness from rng. It must not
// modify params.
type Trainer func(ctx context.Context, params []float64, epochs int, rng *rand.Rand) ([]float64, error)

// ClientSpec is one simulated client.
type ClientSpec struct {
	// Config configures its state machine.
	Config round.ClientConfig
	// Train is its local training.
	Train Trainer
	// Byzantine makes it run Options.Attack.
	Byzantine bool
}

// Crash schedules a permanent crash: from At on, the node neither sends
// nor receives, and DetectionDelay later every other node is told it is
// dead.
type Crash struct {
	// Node crashes At after the start of the run.
	Node round.NodeID
	At   time.Duration
}

// Options configure the simulated network and its faults. Zero fields take
// the defaults of constants.go.
type Options struct {
	// Seed drives every random choice of the simulation: delays, losses,
	// stragglers, dropouts and the clients' training randomness.
	Seed uint64
	// Latency is the one-way delay of every message; Jitter adds a
	// uniform extra delay in [0, Jitter).
	Latency, Jitter time.Duration
	// Loss is the probability that a message is lost.
	Loss float64
	// TrainTime is the virtual time a local training run takes.
	TrainTime time.Duration
	// StragglerRate is the probability that a client, in a given round,
	// trains StragglerFactor times slower.
	StragglerRate float64
	// StragglerFactor is how much slower a straggler trains.
	StragglerFactor float64
	// DropoutRate is the probability that a client, in a given round,
	// drops out when its training ends: it sends nothing more for that
	// round (in a secure round, after the key exchange: its masks must be
	// recovered).
	DropoutRate float64
	// Crashes are the permanent crashes, of clients or coordinators.
	Crashes []Crash
	// DetectionDelay is how long after a crash the other nodes get
	// PeerDown.
	DetectionDelay time.Duration
	// MaxVirtualTime ends a run that has not finished.
	MaxVirtualTime time.Duration
	// Attack is what the Byzantine clients do.
	Attack Attack
	// OnModel, if not nil, is called with every global model produced.
	OnModel func(round.GlobalModel)
}

// withDefaults returns o with zero fields replaced by defaults.
func (o Options) withDefaults() Options {
	if o.Latency == 0 {
		o.Latency = DefaultLatency
	}
	if o.TrainTime == 0 {
		o.TrainTime = DefaultTrainTime
	}
	if o.StragglerFactor == 0 {
		o.StragglerFactor = DefaultStragglerFactor
	}
	if o.DetectionDelay == 0 {
		o.DetectionDelay = DefaultDetectionDelay
	}
	if o.MaxVirtualTime == 0 {
		o.MaxVirtualTime = DefaultMaxVirtualTime
	}
	return o
}

// Validate checks o.
func (o Options) Validate() error {
	o = o.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrOptions, fmt.Sprintf(format, args...))
	}
	prob := func(p float64) bool { return p >= 0 && p <= 1 }
	switch {
	case o.Latency < 0 || o.Latency > MaxLatency || o.Jitter < 0 || o.Jitter > MaxLatency:
		return bad("latency %v and jitter %v must be in [0, %v]", o.Latency, o.Jitter, MaxLatency)
	case !prob(o.Loss) || o.Loss == 1:
		return bad("loss %v not in [0, 1)", o.Loss)
	case o.TrainTime < 0 || o.TrainTime > MaxTrainTime:
		return bad("train time %v not in [0, %v]", o.TrainTime, MaxTrainTime)
	case !prob(o.StragglerRate) || !prob(o.DropoutRate):
		return bad("straggler rate %v and dropout rate %v must be in [0, 1]", o.StragglerRate, o.DropoutRate)
	case !(o.StragglerFactor >= 1 && o.StragglerFactor <= MaxStragglerFactor):
		return bad("straggler factor %v not in [1, %d]", o.StragglerFactor, MaxStragglerFactor)
	case len(o.Crashes) > MaxCrashes:
		return bad("%d crashes, at most %d", len(o.Crashes), MaxCrashes)
	case o.DetectionDelay < 0 || o.DetectionDelay > MaxVirtualTime:
		return bad("detection delay %v not in [0, %v]", o.DetectionDelay, MaxVirtualTime)
	case o.MaxVirtualTime < 0 || o.MaxVirtualTime > MaxVirtualTime:
		return bad("virtual time limit %v not in [0, %v]", o.MaxVirtualTime, MaxVirtualTime)
	case int(o.Attack) >= len(AttackNames()):
		return bad("unknown attack %d", o.Attack)
	}
	for _, c := range o.Crashes {
		if c.At < 0 || c.At > MaxVirtualTime {
			return bad("crash at %v not in [0, %v]", c.At, MaxVirtualTime)
		}
	}
	return nil
}
