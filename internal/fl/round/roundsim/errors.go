package roundsim

import "errors"

// Sentinel errors.
var (
	// ErrOptions reports invalid Options or a bad federation.
	ErrOptions = errors.New("roundsim: invalid options")
	// ErrTimeLimit reports a run that had not finished at MaxVirtualTime.
	ErrTimeLimit = errors.New("roundsim: virtual time limit reached")
	// ErrStuck reports a run with nothing left to do before the
	// coordinators finished.
	ErrStuck = errors.New("roundsim: no events left before the federation finished")
)
