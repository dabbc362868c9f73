package fedsage

import "errors"

// ErrExperiment reports invalid data or an invalid experiment.
var ErrExperiment = errors.New("fedsage: invalid experiment")
