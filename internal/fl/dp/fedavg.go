package dp

import (
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/strategy"
)

// Config configures DP-FedAvg.
type Config struct {
	// ClipNorm is the L2 bound C on each client's delta, finite and > 0;
	// with adaptive clipping, its initial value.
	ClipNorm float64
	// NoiseMultiplier z is the noise multiplier of each round as a whole,
	// at least MinNoiseMultiplier and finite. With fixed clipping the
	// noise added to the sum of clipped deltas has standard deviation
	// z*C per coordinate; with adaptive clipping part of the budget goes
	// to the count of unclipped updates (see UpdateNoiseMultiplier).
	// Account for each round as Mechanism{q, z, 1}.
	NoiseMultiplier float64
	// ExpectedClients m is the expected number of clients per round, q
	// times the population, finite and > 0. The noised sum is divided by
	// m rather than by the number of updates received, so that one
	// client's presence or absence moves the result by at most C/m.
	ExpectedClients float64
	// Adaptive turns on adaptive clipping when not nil.
	Adaptive *AdaptiveClipping
}

// AdaptiveClipping configures the geometric clip-norm update of Andrew et
// al. 2021: after each round, C = C * exp(-LearningRate * (b - TargetQuantile)),
// where b is the noised fraction of updates whose norm was at most C.
type AdaptiveClipping struct {
	// TargetQuantile gamma is the fraction of updates meant to be left
	// unclipped, in [0, 1]; DefaultTargetQuantile is the median.
	TargetQuantile float64
	// LearningRate eta_C is the step of the geometric update, finite and
	// > 0; DefaultClipLearningRate is the paper's choice.
	LearningRate float64
	// CountNoise sigma_b is the standard deviation of the Gaussian noise
	// added to the count of unclipped updates. It must exceed
	// NoiseMultiplier/2; the paper recommends
	// DefaultCountNoiseFraction * ExpectedClients.
	CountNoise float64
}

// Round describes one DP-FedAvg round. Everything in it is a function of
// noised quantities, so it may be logged or published.
type Round struct {
	// Model is the next global model.
	Model []float64
	// ClipNorm is the clip norm C used in the round.
	ClipNorm float64
	// NextClipNorm is the clip norm of the next round (equal to ClipNorm
	// with fixed clipping).
	NextClipNorm float64
	// UnclippedFraction is the noised estimate of the fraction of updates
	// whose norm was at most ClipNorm, clamped to [0, 1]; NaN with fixed
	// clipping, which does not compute it.
	UnclippedFraction float64
}

// FedAvg is DP-FedAvg with client-level differential privacy (McMahan et
// al. 2018): each delta is clipped to L2 norm C, the clipped deltas are
// summed, Gaussian noise is added and the sum is divided by the expected
// number of clients. NumSamples is ignored: weighting by it would let one
// client's influence exceed C/m. A round with no updates (possible under
// Poisson sampling) still adds noise, as it must. FedAvg implements
// strategy.Strategy and is safe for concurrent use.
type FedAvg struct {
	mu          sync.Mutex
	cfg         Config
	updateNoise float64 // noise multiplier of the sum of clipped deltas
	clip        float64 // current clip norm
	rng         *Gaussian
}

var _ strategy.Strategy = (*FedAvg)(nil)

// NewFedAvg returns a DP-FedAvg aggregator that draws its noise from
// random, which must be a cryptographically secure source
// (crypto/rand.Reader) for the privacy guarantee to hold.
func NewFedAvg(cfg Config, random io.Reader) (*FedAvg, error) {
	z, err := cfg.check()
	if err != nil {
		return nil, fmt.Errorf("dp-fedavg: %w", err)
	}
	if random == nil {
		return nil, fmt.Errorf("dp-fedavg: %w: nil random source", ErrInvalidParameter)
	}
	return &FedAvg{cfg: cfg, updateNoise: z, clip: cfg.ClipNorm, rng: NewGaussian(random)}, nil
}

// check validates c and returns the noise multiplier of the sum of
// clipped deltas.
func (c Config) check() (float64, error) {
	finitePos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case !finitePos(c.ClipNorm):
		return 0, fmt.Errorf("%w: clip norm %v, want finite and > 0", ErrInvalidParameter, c.ClipNorm)
	case !(c.NoiseMultiplier >= MinNoiseMultiplier) || math.IsInf(c.NoiseMultiplier, 0):
		return 0, fmt.Errorf("%w: noise multiplier %v, want finite and >= %g", ErrInvalidParameter, c.NoiseMultiplier, MinNoiseMultiplier)
	case !finitePos(c.ExpectedClients):
		return 0, fmt.Errorf("%w: expected clients %v, want finite and > 0", ErrInvalidParameter, c.ExpectedClients)
	}
	a := c.Adaptive
	if a == nil {
		return c.NoiseMultiplier, nil
	}
	switch {
	case !(a.TargetQuantile >= 0 && a.TargetQuantile <= 1):
		return 0, fmt.Errorf("%w: target quantile %v not in [0, 1]", ErrInvalidParameter, a.TargetQuantile)
	case !finitePos(a.LearningRate):
		return 0, fmt.Errorf("%w: clip learning rate %v, want finite and > 0", ErrInvalidParameter, a.LearningRate)
	case !(a.CountNoise > c.NoiseMultiplier/2) || math.IsInf(a.CountNoise, 0):
		return 0, fmt.Errorf("%w: count noise %v must be finite and exceed noise multiplier / 2 = %v",
			ErrInvalidParameter, a.CountNoise, c.NoiseMultiplier/2)
	}
	// Andrew et al. 2021, section 3.2: releasing the clipped sum with
	// noise multiplier z_delta and the centred count (sensitivity 1/2)
	// with noise sigma_b is one Gaussian mechanism with
	// z = (z_delta^-2 + (2 sigma_b)^-2)^(-1/2).
	z, b := c.NoiseMultiplier, 2*a.CountNoise
	zDelta := 1 / math.Sqrt(1/(z*z)-1/(b*b))
	if math.IsInf(zDelta, 0) || math.IsNaN(zDelta) {
		return 0, fmt.Errorf("%w: count noise %v leaves no budget for the updates", ErrInvalidParameter, a.CountNoise)
	}
	return zDelta, nil
}

// Name returns "dp-fedavg".
func (*FedAvg) Name() string { return "dp-fedavg" }

// Aggregate runs a round and returns the next model; see Round.
func (a *FedAvg) Aggregate(global []float64, updates []strategy.Update) ([]float64, error) {
	r, err := a.Round(global, updates)
	return r.Model, err
}

// Round runs one DP-FedAvg round on the clients' deltas: it validates them
// as strategy.Validate does (with zero updates allowed), clips copies of
// them, adds noise and, with adaptive clipping, updates the clip norm. If
// it fails, the clip norm is unchanged.
func (a *FedAvg) Round(global []float64, updates []strategy.Update) (Round, error) {
	if err := strategy.Validate(global, updates, 0); err != nil {
		return Round{}, fmt.Errorf("%s: %w", a.Name(), err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.clip
	sum := make([]float64, len(global))
	clipped := make([]float64, len(global))
	var unclipped float64
	for _, u := range updates {
		copy(clipped, u.Vector)
		norm, err := Clip(clipped, c)
		if err != nil {
			return Round{}, fmt.Errorf("%s: client %q: %w", a.Name(), u.ClientID, err)
		}
		if norm <= c {
			unclipped++
		}
		for j, x := range clipped {
			sum[j] += x
		}
	}
	if err := a.rng.AddNoise(sum, a.updateNoise*c); err != nil {
		return Round{}, fmt.Errorf("%s: %w", a.Name(), err)
	}
	m := a.cfg.ExpectedClients
	for j := range sum {
		sum[j] = global[j] + sum[j]/m
	}
	r := Round{Model: sum, ClipNorm: c, NextClipNorm: c, UnclippedFraction: math.NaN()}
	if ad := a.cfg.Adaptive; ad != nil {
		z, err := a.rng.Normal()
		if err != nil {
			return Round{}, fmt.Errorf("%s: %w", a.Name(), err)
		}
		// The count is centred, sum(b_i - 1/2), so its sensitivity is 1/2.
		n := float64(len(updates))
		b := ((unclipped-n/2)+ad.CountNoise*z)/m + 0.5
		r.UnclippedFraction = min(max(b, 0), 1)
		next := c * math.Exp(-ad.LearningRate*(r.UnclippedFraction-ad.TargetQuantile))
		r.NextClipNorm = min(max(next, MinClipNorm), MaxClipNorm)
		a.clip = r.NextClipNorm
	}
	return r, nil
}

// ClipNorm returns the clip norm the next round will use.
func (a *FedAvg) ClipNorm() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.clip
}

// UpdateNoiseMultiplier returns the noise multiplier applied to the sum of
// clipped deltas: NoiseMultiplier with fixed clipping, and
// (z^-2 - (2 CountNoise)^-2)^(-1/2) with adaptive clipping.
func (a *FedAvg) UpdateNoiseMultiplier() float64 { return a.updateNoise }

// Mechanism returns the mechanism of one round for accounting, given the
// probability q that a client is sampled into a round.
func (a *FedAvg) Mechanism(samplingRate float64) Mechanism {
	return Mechanism{SamplingRate: samplingRate, NoiseMultiplier: a.cfg.NoiseMultiplier, Steps: 1}
}
