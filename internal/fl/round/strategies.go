package round

import (
	"fmt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
)

// Strategy names accepted by StrategySpec.Name.
const (
	StrategyFedAvg      = "fedavg"
	StrategyMedian      = "median"
	StrategyTrimmedMean = "trimmed-mean"
	StrategyKrum        = "krum"
	StrategyMultiKrum   = "multi-krum"
	StrategyBulyan      = "bulyan"
	StrategyGeoMedian   = "geomedian"
	StrategyFedAdam     = "fedadam"
	StrategyFedYogi     = "fedyogi"
)

// StrategyNames lists the accepted strategy names.
func StrategyNames() []string {
	return []string{StrategyFedAvg, StrategyMedian, StrategyTrimmedMean, StrategyKrum, StrategyMultiKrum,
		StrategyBulyan, StrategyGeoMedian, StrategyFedAdam, StrategyFedYogi}
}

// StrategySpec chooses the aggregation rule of a federation.
type StrategySpec struct {
	// Name is one of StrategyNames.
	Name string
	// F is the number of Byzantine updates per round the rule is built to
	// tolerate: Krum and Multi-Krum need 2F+3 updates, Bulyan 4F+3, and
	// the trimmed mean drops the F largest and F smallest values of each
	// coordinate (2F+1 updates). The other rules ignore it.
	F int
	// Adaptive configures FedAdam and FedYogi; the zero value means
	// strategy.DefaultAdaptiveConfig.
	Adaptive strategy.AdaptiveConfig
}

// MinUpdates returns the number of updates the rule needs to aggregate.
func (s StrategySpec) MinUpdates() int {
	switch s.Name {
	case StrategyKrum, StrategyMultiKrum:
		return 2*s.F + 3
	case StrategyBulyan:
		return 4*s.F + 3
	case StrategyTrimmedMean:
		return 2*s.F + 1
	}
	return 1
}

// New returns a fresh aggregator. FedAdam and FedYogi keep optimiser
// state, so a coordinator that takes over starts them afresh.
func (s StrategySpec) New() (strategy.Strategy, error) {
	if s.F < 0 || s.F > MaxClients {
		return nil, fmt.Errorf("%w: strategy F = %d not in [0, %d]", ErrConfig, s.F, MaxClients)
	}
	adaptive := s.Adaptive
	if adaptive == (strategy.AdaptiveConfig{}) {
		adaptive = strategy.DefaultAdaptiveConfig()
	}
	var (
		st  strategy.Strategy
		err error
	)
	switch s.Name {
	case StrategyFedAvg:
		st = strategy.FedAvg{}
	case StrategyMedian:
		st = strategy.Median{}
	case StrategyTrimmedMean:
		st = trimmedMean{f: s.F}
	case StrategyKrum:
		st = strategy.Krum{F: s.F}
	case StrategyMultiKrum:
		st = strategy.MultiKrum{F: s.F}
	case StrategyBulyan:
		st = strategy.Bulyan{F: s.F}
	case StrategyGeoMedian:
		st = strategy.GeometricMedian{}
	case StrategyFedAdam:
		st, err = strategy.NewFedAdam(adaptive)
	case StrategyFedYogi:
		st, err = strategy.NewFedYogi(adaptive)
	default:
		return nil, fmt.Errorf("%w: unknown strategy %q (want one of %v)", ErrConfig, s.Name, StrategyNames())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return st, nil
}

// trimmedMean is strategy.TrimmedMean that drops a fixed number f of
// values from each side, whatever the number of updates that arrived.
type trimmedMean struct{ f int }

// Name returns "trimmed-mean".
func (trimmedMean) Name() string { return strategy.TrimmedMean{}.Name() }

// Aggregate trims f values from each side of every coordinate.
func (t trimmedMean) Aggregate(global []float64, updates []strategy.Update) ([]float64, error) {
	n := len(updates)
	if n < 2*t.f+1 {
		return nil, fmt.Errorf("%s: %w: have %d updates, need at least %d (2f+1 with f = %d)",
			t.Name(), strategy.ErrTooFewClients, n, 2*t.f+1, t.f)
	}
	return strategy.TrimmedMean{Beta: float64(t.f) / float64(n)}.Aggregate(global, updates)
}
