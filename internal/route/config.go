package route

import (
	"fmt"
	"time"
)

// Config holds the timers and limits of a Router. Zero fields take their defaults; the
// defaults of RouteExpiry, SwitchDelay and RequestSuppression are derived from UpdateInterval.
type Config struct {
	// UpdateInterval is the interval between periodic full dumps (DefaultUpdateInterval). It
	// must be between IntervalUnit and 65535 × IntervalUnit, as it travels in updates.
	UpdateInterval time.Duration

	// RouteExpiry is how long a route lives without a refresh before it is retracted, and
	// how long a retracted route is then kept before it is flushed (RFC 8966 §3.5.3).
	// Default: UpdateInterval × RouteExpiryNum / RouteExpiryDen. It must exceed UpdateInterval.
	RouteExpiry time.Duration

	// SourceGCTime is how long a feasibility distance is kept after the destination was last
	// advertised (DefaultSourceGCTime). It must be at least twice RouteExpiry, so that every
	// route that depended on the old distance has expired before it is forgotten.
	SourceGCTime time.Duration

	// SwitchMargin is the metric improvement that makes the router switch routes at once
	// (DefaultSwitchMargin).
	SwitchMargin uint16

	// SwitchDelay is how long a route better by less than SwitchMargin must stay better
	// before the router switches to it. Default: SwitchDelayFactor × UpdateInterval.
	SwitchDelay time.Duration

	// RequestSuppression is the duplicate-suppression time of seqno requests. Default:
	// UpdateInterval / RequestSuppressionDivisor.
	RequestSuppression time.Duration

	// MaxRoutes bounds the number of routes, that is (destination, neighbour) pairs
	// (DefaultMaxRoutes).
	MaxRoutes int

	// MaxSources bounds the number of destinations tracked (DefaultMaxSources).
	MaxSources int
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.UpdateInterval == 0 {
		c.UpdateInterval = DefaultUpdateInterval
	}
	if c.RouteExpiry == 0 {
		c.RouteExpiry = c.UpdateInterval * RouteExpiryNum / RouteExpiryDen
	}
	if c.SourceGCTime == 0 {
		c.SourceGCTime = max(DefaultSourceGCTime, 2*c.RouteExpiry)
	}
	if c.SwitchMargin == 0 {
		c.SwitchMargin = DefaultSwitchMargin
	}
	if c.SwitchDelay == 0 {
		c.SwitchDelay = SwitchDelayFactor * c.UpdateInterval
	}
	if c.RequestSuppression == 0 {
		c.RequestSuppression = c.UpdateInterval / RequestSuppressionDivisor
	}
	if c.MaxRoutes == 0 {
		c.MaxRoutes = DefaultMaxRoutes
	}
	if c.MaxSources == 0 {
		c.MaxSources = DefaultMaxSources
	}
	return c
}

// validate checks a configuration after defaults were applied.
func (c Config) validate() error {
	switch {
	case c.UpdateInterval < IntervalUnit || c.UpdateInterval > 0xFFFF*IntervalUnit:
		return fmt.Errorf("%w: UpdateInterval %v is not between %v and %v", ErrInvalidConfig, c.UpdateInterval, IntervalUnit, 0xFFFF*IntervalUnit)
	case c.RouteExpiry <= c.UpdateInterval:
		return fmt.Errorf("%w: RouteExpiry %v must exceed UpdateInterval %v", ErrInvalidConfig, c.RouteExpiry, c.UpdateInterval)
	case c.SourceGCTime < 2*c.RouteExpiry:
		return fmt.Errorf("%w: SourceGCTime %v must be at least twice RouteExpiry %v", ErrInvalidConfig, c.SourceGCTime, c.RouteExpiry)
	case c.SwitchDelay < 0:
		return fmt.Errorf("%w: negative SwitchDelay %v", ErrInvalidConfig, c.SwitchDelay)
	case c.RequestSuppression < 0:
		return fmt.Errorf("%w: negative RequestSuppression %v", ErrInvalidConfig, c.RequestSuppression)
	case c.MaxRoutes < 0 || c.MaxSources < 0:
		return fmt.Errorf("%w: negative MaxRoutes %d or MaxSources %d", ErrInvalidConfig, c.MaxRoutes, c.MaxSources)
	}
	return nil
}

// interval returns UpdateInterval in the unit of the wire (rounded up).
func (c Config) interval() uint16 {
	return uint16((c.UpdateInterval + IntervalUnit - 1) / IntervalUnit)
}

// hold returns how long a route lives after an update that advertised interval (in
// IntervalUnit): RouteExpiryNum/RouteExpiryDen times the interval but at least RouteExpiry
// (RFC 8966 §3.5.3), and at most half of SourceGCTime so that no route outlives the
// feasibility distance that protects it.
func (c Config) hold(interval uint16) time.Duration {
	h := time.Duration(interval) * IntervalUnit * RouteExpiryNum / RouteExpiryDen
	return min(max(h, c.RouteExpiry), c.SourceGCTime/2)
}
