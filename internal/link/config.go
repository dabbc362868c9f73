package link

import (
	"fmt"
	"time"
)

// Config holds the timers and constants of a Table. Start from
// DefaultConfig and override fields; New refuses a Config that Validate
// refuses. Zero values are taken literally (a zero HelloJitter means no
// jitter), not as defaults.
type Config struct {
	// HelloInterval is the nominal time between two hellos to a neighbour.
	HelloInterval time.Duration
	// HelloJitter is the largest random amount taken off each interval,
	// in [0, HelloInterval/2].
	HelloJitter time.Duration
	// DeadInterval is how long a neighbour may stay silent before it is
	// declared down; at least MinDeadHellos hello intervals.
	DeadInterval time.Duration
	// MinRTT and MaxRTT clamp every RTT sample.
	MinRTT, MaxRTT time.Duration
	// RTTAlpha is the gain of the smoothed RTT, in (0, 1].
	RTTAlpha float64
	// RTTBeta is the gain of the RTT variance, in (0, 1].
	RTTBeta float64
	// CostHysteresis is the change, in percent of the cost last reported,
	// that a new cost must exceed to be reported, in [0, MaxCostHysteresis].
	CostHysteresis int
}

// DefaultConfig returns the default configuration: the Default* constants.
func DefaultConfig() Config {
	return Config{
		HelloInterval:  DefaultHelloInterval,
		HelloJitter:    DefaultHelloJitter,
		DeadInterval:   DefaultDeadInterval,
		MinRTT:         DefaultMinRTT,
		MaxRTT:         DefaultMaxRTT,
		RTTAlpha:       DefaultRTTAlpha,
		RTTBeta:        DefaultRTTBeta,
		CostHysteresis: DefaultCostHysteresis,
	}
}

// Validate reports whether c is usable. The error wraps ErrInvalidConfig
// and names the first field at fault.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	switch {
	case c.HelloInterval < MinHelloInterval || c.HelloInterval > MaxHelloInterval:
		return bad("HelloInterval", "%v is outside [%v, %v]", c.HelloInterval, MinHelloInterval, MaxHelloInterval)
	case c.HelloJitter < 0 || c.HelloJitter > c.HelloInterval/2:
		return bad("HelloJitter", "%v is outside [0, HelloInterval/2 = %v]", c.HelloJitter, c.HelloInterval/2)
	case c.DeadInterval < MinDeadHellos*c.HelloInterval || c.DeadInterval > MaxDeadInterval:
		return bad("DeadInterval", "%v is outside [%d*HelloInterval = %v, %v]", c.DeadInterval, MinDeadHellos, MinDeadHellos*c.HelloInterval, MaxDeadInterval)
	case c.MinRTT < 0:
		return bad("MinRTT", "%v is negative", c.MinRTT)
	case c.MaxRTT <= c.MinRTT:
		return bad("MaxRTT", "%v is not above MinRTT %v", c.MaxRTT, c.MinRTT)
	case !(c.RTTAlpha > 0 && c.RTTAlpha <= 1): // also refuses NaN
		return bad("RTTAlpha", "%v is outside (0, 1]", c.RTTAlpha)
	case !(c.RTTBeta > 0 && c.RTTBeta <= 1):
		return bad("RTTBeta", "%v is outside (0, 1]", c.RTTBeta)
	case c.CostHysteresis < 0 || c.CostHysteresis > MaxCostHysteresis:
		return bad("CostHysteresis", "%d is outside [0, %d]", c.CostHysteresis, MaxCostHysteresis)
	}
	return nil
}
