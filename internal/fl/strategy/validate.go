package strategy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Validate checks a round's inputs as every strategy does before it
// aggregates: global must hold 1 to MaxDimension finite values, there must
// be minClients to MaxClients updates, and each update must have a unique,
// non-empty ClientID of at most MaxClientIDLength bytes, NumSamples >= 0 and
// a Vector as long as global whose values are finite and at most
// MaxAbsValue in magnitude. Problems with an update are reported as a
// *ClientError; updates are checked in ClientID order, so the error is the
// same for any order of the input.
func Validate(global []float64, updates []Update, minClients int) error {
	_, err := sorted(global, updates, minClients, MaxClients)
	return err
}

// sorted validates the inputs and returns a copy of updates sorted by
// ClientID (the vectors are shared, not copied).
func sorted(global []float64, updates []Update, minClients, maxClients int) ([]Update, error) {
	if len(global) == 0 || len(global) > MaxDimension {
		return nil, fmt.Errorf("global model: %w: length %d not in [1, %d]", ErrDimension, len(global), MaxDimension)
	}
	if err := checkValues(global); err != nil {
		return nil, fmt.Errorf("global model: %w", err)
	}
	if len(updates) < minClients {
		return nil, fmt.Errorf("%w: have %d updates, need at least %d", ErrTooFewClients, len(updates), minClients)
	}
	if len(updates) > maxClients {
		return nil, fmt.Errorf("%w: have %d updates, at most %d accepted", ErrTooManyClients, len(updates), maxClients)
	}
	ups := slices.Clone(updates)
	slices.SortFunc(ups, func(a, b Update) int { return cmp.Compare(a.ClientID, b.ClientID) })
	for i := range ups {
		u := &ups[i]
		if i > 0 && ups[i-1].ClientID == u.ClientID {
			return nil, &ClientError{ClientID: u.ClientID, Err: ErrDuplicateClient}
		}
		if err := checkUpdate(u, len(global)); err != nil {
			return nil, &ClientError{ClientID: u.ClientID, Err: err}
		}
	}
	return ups, nil
}

func checkUpdate(u *Update, dim int) error {
	if u.ClientID == "" || len(u.ClientID) > MaxClientIDLength {
		return fmt.Errorf("%w: length %d not in [1, %d]", ErrInvalidClientID, len(u.ClientID), MaxClientIDLength)
	}
	if u.NumSamples < 0 {
		return fmt.Errorf("%w: %d", ErrNegativeSamples, u.NumSamples)
	}
	if len(u.Vector) != dim {
		return fmt.Errorf("%w: vector length %d, global model length %d", ErrShapeMismatch, len(u.Vector), dim)
	}
	return checkValues(u.Vector)
}

// checkValues returns a *ValueError for the first NaN, infinity or value
// beyond MaxAbsValue in v.
func checkValues(v []float64) error {
	for i, x := range v {
		// One comparison catches everything: NaN compares false.
		if !(math.Abs(x) <= MaxAbsValue) {
			return &ValueError{Index: i, Value: x}
		}
	}
	return nil
}

// minClientsError reports that a rule with parameter f needs more clients.
func minClientsError(have, need int, rule string) error {
	return fmt.Errorf("%w: have %d updates, need at least %d (%s)", ErrTooFewClients, have, need, rule)
}

// sampleWeights returns each update's NumSamples divided by their total.
func sampleWeights(ups []Update) ([]float64, error) {
	var total float64
	for _, u := range ups {
		total += float64(u.NumSamples)
	}
	if total == 0 {
		return nil, fmt.Errorf("%w: every update has NumSamples = 0", ErrNoSamples)
	}
	w := make([]float64, len(ups))
	for i, u := range ups {
		w[i] = float64(u.NumSamples) / total
	}
	return w, nil
}
