package mapek

import (
	"fmt"
	"math"
	"time"
)

// Config holds the thresholds, timers and limits of a Loop. The zero value of
// a field means its default (the constant of the same name); DefaultConfig
// returns them all filled in.
type Config struct {
	// Window is the span of the Monitor's windows (see the constant of the
	// same name).
	Window time.Duration
	// DeadLinkFor is how long a link must be down for the dead-link rule.
	DeadLinkFor time.Duration

	// Rule thresholds (see the constants of the same names).
	// DeadLinkSamples is range-checked but no longer used (DeadLinkFor is);
	// it is kept so that existing code compiles.
	DeadLinkSamples       int
	DegradedLoss          float64
	DegradedLossMargin    float64
	DegradedRTTFactor     float64
	DegradedRTTMin        time.Duration
	FlapTransitions       int
	StableFor             time.Duration
	PartitionDrop         float64
	PartitionMinRoutes    int
	OverloadCPU           float64
	OverloadMemory        float64
	OverloadQueueDropRate float64
	RelayMinSamples       uint64
	BlackholeRatio        float64
	GrayholeMargin        float64
	ForgedRate            float64
	HandshakeFloodRate    float64
	BlockedMinAttempts    uint64
	BlockedFailRatio      float64
	ScoreThreshold        float64

	// Plan and Execute.
	Cooldown      time.Duration
	VerifyAfter   time.Duration
	BudgetWindow  time.Duration
	BudgetActions int
	WorseMargin   float64
	ResolveAfter  time.Duration

	// Flap damping.
	DampPenalty  float64
	DampSuppress float64
	DampReuse    float64
	DampMax      float64
	DampHalfLife time.Duration

	// Policy maps each symptom kind to its escalation ladder; nil means
	// DefaultPolicy.
	Policy Policy
}

// DefaultConfig returns the Config with every field at its default.
func DefaultConfig() Config {
	return Config{
		Window:                Window,
		DeadLinkFor:           DeadLinkFor,
		DeadLinkSamples:       DeadLinkSamples,
		DegradedLoss:          DegradedLoss,
		DegradedLossMargin:    DegradedLossMargin,
		DegradedRTTFactor:     DegradedRTTFactor,
		DegradedRTTMin:        DegradedRTTMin,
		FlapTransitions:       FlapTransitions,
		StableFor:             StableFor,
		PartitionDrop:         PartitionDrop,
		PartitionMinRoutes:    PartitionMinRoutes,
		OverloadCPU:           OverloadCPU,
		OverloadMemory:        OverloadMemory,
		OverloadQueueDropRate: OverloadQueueDropRate,
		RelayMinSamples:       RelayMinSamples,
		BlackholeRatio:        BlackholeRatio,
		GrayholeMargin:        GrayholeMargin,
		ForgedRate:            ForgedRate,
		HandshakeFloodRate:    HandshakeFloodRate,
		BlockedMinAttempts:    BlockedMinAttempts,
		BlockedFailRatio:      BlockedFailRatio,
		ScoreThreshold:        ScoreThreshold,
		Cooldown:              Cooldown,
		VerifyAfter:           VerifyAfter,
		BudgetWindow:          BudgetWindow,
		BudgetActions:         BudgetActions,
		WorseMargin:           WorseMargin,
		ResolveAfter:          ResolveAfter,
		DampPenalty:           DampPenalty,
		DampSuppress:          DampSuppress,
		DampReuse:             DampReuse,
		DampMax:               DampMax,
		DampHalfLife:          DampHalfLife,
		Policy:                DefaultPolicy(),
	}
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setI := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setU := func(v *uint64, def uint64) {
		if *v == 0 {
			*v = def
		}
	}
	setF := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setD(&c.Window, d.Window)
	setD(&c.DeadLinkFor, d.DeadLinkFor)
	setI(&c.DeadLinkSamples, d.DeadLinkSamples)
	setF(&c.DegradedLoss, d.DegradedLoss)
	setF(&c.DegradedLossMargin, d.DegradedLossMargin)
	setF(&c.DegradedRTTFactor, d.DegradedRTTFactor)
	setD(&c.DegradedRTTMin, d.DegradedRTTMin)
	setI(&c.FlapTransitions, d.FlapTransitions)
	setD(&c.StableFor, d.StableFor)
	setF(&c.PartitionDrop, d.PartitionDrop)
	setI(&c.PartitionMinRoutes, d.PartitionMinRoutes)
	setF(&c.OverloadCPU, d.OverloadCPU)
	setF(&c.OverloadMemory, d.OverloadMemory)
	setF(&c.OverloadQueueDropRate, d.OverloadQueueDropRate)
	setU(&c.RelayMinSamples, d.RelayMinSamples)
	setF(&c.BlackholeRatio, d.BlackholeRatio)
	setF(&c.GrayholeMargin, d.GrayholeMargin)
	setF(&c.ForgedRate, d.ForgedRate)
	setF(&c.HandshakeFloodRate, d.HandshakeFloodRate)
	setU(&c.BlockedMinAttempts, d.BlockedMinAttempts)
	setF(&c.BlockedFailRatio, d.BlockedFailRatio)
	setF(&c.ScoreThreshold, d.ScoreThreshold)
	setD(&c.Cooldown, d.Cooldown)
	setD(&c.VerifyAfter, d.VerifyAfter)
	setD(&c.BudgetWindow, d.BudgetWindow)
	setI(&c.BudgetActions, d.BudgetActions)
	setF(&c.WorseMargin, d.WorseMargin)
	setD(&c.ResolveAfter, d.ResolveAfter)
	setF(&c.DampPenalty, d.DampPenalty)
	setF(&c.DampSuppress, d.DampSuppress)
	setF(&c.DampReuse, d.DampReuse)
	setF(&c.DampMax, d.DampMax)
	setD(&c.DampHalfLife, d.DampHalfLife)
	if c.Policy == nil {
		c.Policy = d.Policy
	}
	return c
}

// Validate reports whether c, with defaults applied to its zero fields, is
// usable. The error wraps ErrInvalidConfig and names the field.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(field string, v any) error {
		return fmt.Errorf("%w: %s = %v", ErrInvalidConfig, field, v)
	}
	fraction := func(v float64) bool { return v > 0 && v <= 1 && !math.IsNaN(v) }
	positive := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	for _, f := range []struct {
		name string
		v    float64
		ok   func(float64) bool
	}{
		{"DegradedLoss", c.DegradedLoss, fraction},
		{"DegradedLossMargin", c.DegradedLossMargin, fraction},
		{"PartitionDrop", c.PartitionDrop, fraction},
		{"OverloadCPU", c.OverloadCPU, fraction},
		{"OverloadMemory", c.OverloadMemory, fraction},
		{"BlackholeRatio", c.BlackholeRatio, fraction},
		{"GrayholeMargin", c.GrayholeMargin, fraction},
		{"BlockedFailRatio", c.BlockedFailRatio, fraction},
		{"ScoreThreshold", c.ScoreThreshold, fraction},
		{"DegradedRTTFactor", c.DegradedRTTFactor, func(v float64) bool { return positive(v) && v > 1 }},
		{"OverloadQueueDropRate", c.OverloadQueueDropRate, positive},
		{"ForgedRate", c.ForgedRate, positive},
		{"HandshakeFloodRate", c.HandshakeFloodRate, positive},
		{"WorseMargin", c.WorseMargin, positive},
		{"DampPenalty", c.DampPenalty, positive},
		{"DampSuppress", c.DampSuppress, positive},
		{"DampReuse", c.DampReuse, positive},
		{"DampMax", c.DampMax, positive},
	} {
		if !f.ok(f.v) {
			return bad(f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int
		max  int
	}{
		{"DeadLinkSamples", c.DeadLinkSamples, WindowSize},
		{"FlapTransitions", c.FlapTransitions, WindowSize},
		{"PartitionMinRoutes", c.PartitionMinRoutes, math.MaxInt32},
		{"BudgetActions", c.BudgetActions, math.MaxInt32},
	} {
		if f.v < 1 || f.v > f.max {
			return bad(f.name, f.v)
		}
	}
	if c.Window < MinWindow || c.Window > MaxWindow {
		return bad("Window", c.Window)
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{
		{"DeadLinkFor", c.DeadLinkFor},
		{"DegradedRTTMin", c.DegradedRTTMin},
		{"StableFor", c.StableFor},
		{"Cooldown", c.Cooldown},
		{"VerifyAfter", c.VerifyAfter},
		{"BudgetWindow", c.BudgetWindow},
		{"ResolveAfter", c.ResolveAfter},
		{"DampHalfLife", c.DampHalfLife},
	} {
		if f.v < 0 {
			return bad(f.name, f.v)
		}
	}
	if !(c.DampReuse < c.DampSuppress && c.DampSuppress <= c.DampMax) {
		return bad("DampReuse/DampSuppress/DampMax", fmt.Sprintf("%v/%v/%v", c.DampReuse, c.DampSuppress, c.DampMax))
	}
	return c.Policy.validate()
}
