package round

import (
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/dp"
)

// Config configures a coordinator. Every coordinator of a federation must
// be given the same Config apart from Self.
type Config struct {
	// Self is this coordinator's node ID; it must be in Coordinators.
	Self NodeID
	// Coordinators is the succession list: epoch e is coordinated by
	// Coordinators[e mod len]; a failover moves to the next live one.
	Coordinators []NodeID
	// Clients are the nodes that train, 1 to MaxClients of them, none of
	// them a coordinator.
	Clients []NodeID
	// Initial is the initial global model.
	Initial []float64
	// Rounds is the number of models to produce before finishing.
	Rounds int
	// SampleRate q in (0, 1] is the probability that an eligible client is
	// selected into a round (Poisson sampling).
	SampleRate float64
	// MinClients is the least number of updates a round needs; a round
	// with fewer is aborted. Selections smaller than it are topped up. It
	// must be at least Strategy.MinUpdates().
	MinClients int
	// RoundTimeout is how long a round waits for updates; zero means
	// DefaultRoundTimeout.
	RoundTimeout time.Duration
	// SecAggPhaseTimeout bounds each key-exchange and unmasking phase of a
	// secure round; zero means DefaultSecAggPhaseTimeout.
	SecAggPhaseTimeout time.Duration
	// LocalEpochs is the number of local epochs each client trains.
	LocalEpochs int
	// Strategy is the aggregation rule.
	Strategy StrategySpec
	// DP, when not nil, makes every round DP-FedAvg (Strategy must be
	// fedavg).
	DP *DPConfig
	// SecAgg, when not nil, makes every round a secure aggregation of the
	// deltas (Strategy must be fedavg; the mean is unweighted).
	SecAgg *SecAggConfig
	// MaxMisses is how many consecutive rounds a selected client may fail
	// to answer before it is excluded; zero means DefaultMaxMisses.
	MaxMisses int
	// MaxAborts is how many consecutive aborted rounds end the federation;
	// zero means DefaultMaxAborts.
	MaxAborts int
	// Seed drives client selection. Coordinators of one federation share
	// it, so the same epoch and round select the same clients.
	Seed uint64
	// Random is the source of DP noise and secure-aggregation graph seeds:
	// crypto/rand.Reader in production.
	Random io.Reader
}

// DPConfig configures DP-FedAvg with fixed clipping (internal/fl/dp).
type DPConfig struct {
	// ClipNorm is the L2 bound C on each client's delta.
	ClipNorm float64
	// NoiseMultiplier z: noise of standard deviation z*C is added to the
	// sum of clipped deltas.
	NoiseMultiplier float64
	// Delta is the delta at which epsilon is reported.
	Delta float64
	// ClientEpsilon is each client's budget: a client stops being
	// selected once another round would take its own epsilon, counted
	// without sampling amplification over the rounds it contributed to,
	// past it. Zero means no per-client limit.
	ClientEpsilon float64
}

// SecAggConfig configures secure aggregation (internal/fl/secagg).
type SecAggConfig struct {
	// Clip bounds every coordinate of a delta to [-Clip, Clip] before
	// quantisation; the quantisation scale is the largest power of two
	// that keeps the sum of the selected clients within 32 bits.
	Clip float64
	// Neighbours is the SecAgg+ graph degree (even); 0 is the complete
	// graph.
	Neighbours int
}

// withDefaults returns c with zero timers and limits replaced by the
// defaults.
func (c Config) withDefaults() Config {
	if c.RoundTimeout == 0 {
		c.RoundTimeout = DefaultRoundTimeout
	}
	if c.SecAggPhaseTimeout == 0 {
		c.SecAggPhaseTimeout = DefaultSecAggPhaseTimeout
	}
	if c.MaxMisses == 0 {
		c.MaxMisses = DefaultMaxMisses
	}
	if c.MaxAborts == 0 {
		c.MaxAborts = DefaultMaxAborts
	}
	return c
}

// Validate checks c as NewCoordinator does.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	if err := checkNodeList("coordinators", c.Coordinators, MaxCoordinators); err != nil {
		return err
	}
	if err := checkNodeList("clients", c.Clients, MaxClients); err != nil {
		return err
	}
	if !slices.Contains(c.Coordinators, c.Self) {
		return bad("self %v is not in the coordinator list", c.Self)
	}
	for _, id := range c.Coordinators {
		if slices.Contains(c.Clients, id) {
			return bad("node %v is both a coordinator and a client", id)
		}
	}
	switch {
	case len(c.Initial) == 0 || len(c.Initial) > MaxDim:
		return fmt.Errorf("%w: initial model of %d values not in [1, %d]", ErrLimit, len(c.Initial), MaxDim)
	case badValue(c.Initial) >= 0:
		return bad("initial model has value %v", c.Initial[badValue(c.Initial)])
	case c.Rounds < 1 || c.Rounds > MaxRound:
		return bad("Rounds = %d not in [1, %d]", c.Rounds, MaxRound)
	case !(c.SampleRate > 0 && c.SampleRate <= 1):
		return bad("SampleRate = %v not in (0, 1]", c.SampleRate)
	case c.MinClients < 1 || c.MinClients > len(c.Clients):
		return bad("MinClients = %d not in [1, %d clients]", c.MinClients, len(c.Clients))
	case c.MinClients < c.Strategy.MinUpdates():
		return bad("MinClients = %d is below the %d updates %s with F = %d needs", c.MinClients, c.Strategy.MinUpdates(), c.Strategy.Name, c.Strategy.F)
	case c.RoundTimeout < time.Millisecond || c.RoundTimeout > MaxRoundTimeout:
		return bad("RoundTimeout = %v not in [1ms, %v]", c.RoundTimeout, MaxRoundTimeout)
	case c.SecAggPhaseTimeout < time.Millisecond || c.SecAggPhaseTimeout > MaxRoundTimeout:
		return bad("SecAggPhaseTimeout = %v not in [1ms, %v]", c.SecAggPhaseTimeout, MaxRoundTimeout)
	case c.LocalEpochs < 1 || c.LocalEpochs > MaxLocalEpochs:
		return bad("LocalEpochs = %d not in [1, %d]", c.LocalEpochs, MaxLocalEpochs)
	case c.MaxMisses < 1 || c.MaxAborts < 1:
		return bad("MaxMisses = %d and MaxAborts = %d must be positive", c.MaxMisses, c.MaxAborts)
	case (c.DP != nil || c.SecAgg != nil) && c.Random == nil:
		return bad("DP and secure aggregation need a Random source")
	case (c.DP != nil || c.SecAgg != nil) && c.Strategy.Name != StrategyFedAvg:
		return bad("DP and secure aggregation need the fedavg strategy, not %q", c.Strategy.Name)
	}
	if _, err := c.Strategy.New(); err != nil {
		return err
	}
	if d := c.DP; d != nil {
		if err := d.validate(); err != nil {
			return err
		}
	}
	if s := c.SecAgg; s != nil {
		if !(s.Clip > 0 && s.Clip <= MaxAbsValue) || s.Neighbours < 0 || s.Neighbours%2 != 0 || s.Neighbours > MaxClients {
			return bad("secure aggregation Clip = %v must be positive and finite, Neighbours = %d even in [0, %d]", s.Clip, s.Neighbours, MaxClients)
		}
		if c.MinClients < 2 {
			return bad("secure aggregation needs MinClients >= 2")
		}
	}
	return nil
}

// validate checks a DP configuration.
func (d *DPConfig) validate() error {
	m := dp.Mechanism{SamplingRate: 1, NoiseMultiplier: d.NoiseMultiplier, Steps: 1}
	switch {
	case !finitePositive(d.ClipNorm):
		return fmt.Errorf("%w: DP ClipNorm = %v must be positive and finite", ErrConfig, d.ClipNorm)
	case m.Validate() != nil:
		return fmt.Errorf("%w: DP: %w", ErrConfig, m.Validate())
	case !(d.Delta > 0 && d.Delta < 1):
		return fmt.Errorf("%w: DP Delta = %v not in (0, 1)", ErrConfig, d.Delta)
	case !(d.ClientEpsilon >= 0) || math.IsInf(d.ClientEpsilon, 0):
		return fmt.Errorf("%w: DP ClientEpsilon = %v must be finite and >= 0", ErrConfig, d.ClientEpsilon)
	}
	return nil
}

// maxParticipations returns how many private rounds a client may join
// within ClientEpsilon, accounted as the Gaussian mechanism without
// sampling amplification; -1 means no limit.
func (d *DPConfig) maxParticipations() (int, error) {
	if d.ClientEpsilon == 0 {
		return -1, nil
	}
	eps := func(k int) (float64, error) {
		g, err := dp.ComputeEpsilon(dp.Mechanism{SamplingRate: 1, NoiseMultiplier: d.NoiseMultiplier, Steps: k}, d.Delta, nil)
		return g.Epsilon, err
	}
	// The largest k in [0, maxParticipationSearch] with eps(k) <= limit;
	// epsilon grows with k.
	lo, hi := 0, maxParticipationSearch
	for lo < hi {
		mid := (lo + hi + 1) / 2
		e, err := eps(mid)
		if err != nil {
			return 0, fmt.Errorf("%w: DP: %w", ErrConfig, err)
		}
		if e <= d.ClientEpsilon {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, nil
}

// checkNodeList checks a list of 1 to max distinct node IDs.
func checkNodeList(what string, ids []NodeID, max int) error {
	if len(ids) == 0 || len(ids) > max {
		return fmt.Errorf("%w: %d %s not in [1, %d]", ErrLimit, len(ids), what, max)
	}
	seen := make(map[NodeID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return fmt.Errorf("%w: %s list names %v twice", ErrConfig, what, id)
		}
		seen[id] = true
	}
	return nil
}
