package chaos

import "errors"

// Sentinel errors; every error of the package wraps one of them.
var (
	// ErrUnknownScenario reports a scenario name that is not one of
	// Scenarios.
	ErrUnknownScenario = errors.New("chaos: unknown scenario")
	// ErrInvalidParams reports Params that Validate refused; the message
	// names the field.
	ErrInvalidParams = errors.New("chaos: invalid params")
	// ErrNoConvergence reports a network whose routes did not become
	// complete within ConvergeLimit, before any fault.
	ErrNoConvergence = errors.New("chaos: routes did not converge")
	// ErrNoTarget reports a topology without a suitable fault target (for
	// example a link-cut on a network without a link whose cut leaves it
	// connected).
	ErrNoTarget = errors.New("chaos: no fault target")
)
