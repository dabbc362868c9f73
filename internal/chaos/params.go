package chaos

import (
	"fmt"
	"math"
	"time"
)

// Params tune the scenarios; zero fields take the defaults.
type Params struct {
	// FaultRate is the monkey's mean faults per minute of virtual time,
	// in (0, MaxFaultRate]; zero means DefaultFaultRate.
	FaultRate float64
	// CascadeSteps is the number of nodes cascade kills, in
	// [1, MaxCascadeSteps]; zero means DefaultCascadeSteps.
	CascadeSteps int
	// Span is how long monkey injects faults and none runs its "during"
	// phase, in (0, MaxSpan]; zero means DefaultSpan.
	Span time.Duration
	// ProbePairs is the number of random pairs probed, at least 1; zero
	// means ProbePairs.
	ProbePairs int
	// ProbeInterval is how often each pair sends, at least a millisecond;
	// zero means ProbeInterval.
	ProbeInterval time.Duration
}

// WithDefaults returns p with its zero fields set to the defaults.
func (p Params) WithDefaults() Params {
	if p.FaultRate == 0 {
		p.FaultRate = DefaultFaultRate
	}
	if p.CascadeSteps == 0 {
		p.CascadeSteps = DefaultCascadeSteps
	}
	if p.Span == 0 {
		p.Span = DefaultSpan
	}
	if p.ProbePairs == 0 {
		p.ProbePairs = ProbePairs
	}
	if p.ProbeInterval == 0 {
		p.ProbeInterval = ProbeInterval
	}
	return p
}

// Validate reports whether p, with defaults applied, is usable; the error
// wraps ErrInvalidParams and names the field.
func (p Params) Validate() error {
	p = p.WithDefaults()
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidParams, field, fmt.Sprintf(format, args...))
	}
	switch {
	case !(p.FaultRate > 0 && p.FaultRate <= MaxFaultRate) || math.IsInf(p.FaultRate, 0):
		return bad("FaultRate", "%v is outside (0, %v]", p.FaultRate, MaxFaultRate)
	case p.CascadeSteps < 1 || p.CascadeSteps > MaxCascadeSteps:
		return bad("CascadeSteps", "%d is outside [1, %d]", p.CascadeSteps, MaxCascadeSteps)
	case p.Span < 0 || p.Span > MaxSpan:
		return bad("Span", "%v is outside (0, %v]", p.Span, MaxSpan)
	case p.ProbePairs < 1 || p.ProbePairs > MaxProbePairs:
		return bad("ProbePairs", "%d is outside [1, %d]", p.ProbePairs, MaxProbePairs)
	case p.ProbeInterval < time.Millisecond || p.ProbeInterval > MaxSpan:
		return bad("ProbeInterval", "%v is outside [1ms, %v]", p.ProbeInterval, MaxSpan)
	}
	return nil
}
