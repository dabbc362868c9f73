package heal

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// Timers.
const (
	// DefaultPeriod is how often Step runs when Options.Period is zero. The
	// mapek windows are times (mapek.Config.Window), whatever the period.
	DefaultPeriod = 100 * time.Millisecond

	// MinPeriod is the shortest Options.Period accepted.
	MinPeriod = time.Millisecond

	// MaxPeriod is the longest Options.Period accepted.
	MaxPeriod = time.Minute

	// MinEventStep is the least time between a Step and the extra Step that
	// a link going up or down brings forward (NextStep), so that a storm of
	// link events cannot make Step run more often than this.
	MinEventStep = 10 * time.Millisecond

	// RetainDown is how long a neighbour that the Core no longer lists
	// (its hop-by-hop session was lost) is still reported down in the
	// Snapshot, so that the loop sees a dead link rather than a vanished
	// one: as long as the loop remembers neighbours.
	RetainDown = mapek.ForgetAfter
)

// Bounds.
const (
	// MaxIncidentHistory bounds the incidents Incidents returns; the oldest
	// are dropped first.
	MaxIncidentHistory = 1024

	// MaxActionHistory bounds the actions Actions returns; the oldest are
	// dropped first.
	MaxActionHistory = 1024

	// MaxRuntimeHandshakes bounds the neighbours of Runtime.Handshakes that
	// are read in one Step (the loop's own neighbour limit).
	MaxRuntimeHandshakes = mapek.MaxNeighbours
)
