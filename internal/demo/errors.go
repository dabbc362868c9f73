package demo

import (
	"errors"
	"fmt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// Sentinel errors; every error of the package wraps one of them (or an
// error of internal/sim).
var (
	// ErrInvalidOptions reports Options that New refused.
	ErrInvalidOptions = errors.New("demo: invalid options")
	// ErrNoConvergence reports a mesh whose routes did not complete within
	// ConvergeLimit.
	ErrNoConvergence = errors.New("demo: mesh did not converge")
	// ErrNoPing reports that the demo cannot run a ping (the simulated
	// nodes have no echo service); it wraps api.ErrUnavailable.
	ErrNoPing = fmt.Errorf("%w: ping is not available in the demo: the simulated nodes have no echo service; "+
		"GET /api/v1/demo/status shows the delivery of the demo's own traffic", api.ErrUnavailable)
)
