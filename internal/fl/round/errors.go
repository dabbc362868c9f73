package round

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package wraps one of them
// (or an error of fl/strategy, fl/dp or fl/secagg, wrapped with %w).
var (
	// ErrMalformed reports bytes that do not decode as a message.
	ErrMalformed = errors.New("fl round: malformed message")
	// ErrVersion reports a message with an unknown version byte.
	ErrVersion = errors.New("fl round: unsupported message version")
	// ErrLimit reports a message or configuration beyond a limit of
	// constants.go.
	ErrLimit = errors.New("fl round: limit exceeded")
	// ErrConfig reports an invalid Config or ClientConfig.
	ErrConfig = errors.New("fl round: invalid configuration")

	// ErrStale reports a message for an older epoch or round than the
	// receiver's.
	ErrStale = errors.New("fl round: stale epoch or round")
	// ErrNotCoordinator reports a coordinator message from a node that is
	// not the coordinator of the message's epoch.
	ErrNotCoordinator = errors.New("fl round: sender is not the coordinator")
	// ErrNotSelected reports an update from a client that was not
	// selected for the round.
	ErrNotSelected = errors.New("fl round: client not selected")
	// ErrLate reports an update that arrived after its round closed: a
	// straggler's.
	ErrLate = errors.New("fl round: update arrived after the round closed")
	// ErrDuplicate reports a second update from one client in one round.
	ErrDuplicate = errors.New("fl round: duplicate update")
	// ErrInvalidUpdate reports an update of the wrong length, with
	// non-finite or out-of-range values, or with a bad sample count.
	ErrInvalidUpdate = errors.New("fl round: invalid update")
	// ErrBudgetExhausted reports a client whose differential-privacy
	// budget does not allow another round.
	ErrBudgetExhausted = errors.New("fl round: privacy budget exhausted")
	// ErrUnresponsive reports a client excluded after missing
	// DefaultMaxMisses consecutive rounds.
	ErrUnresponsive = errors.New("fl round: client unresponsive")
	// ErrExcluded reports a client excluded by an earlier coordinator, as
	// recorded in a Checkpoint.
	ErrExcluded = errors.New("fl round: client excluded by an earlier coordinator")
	// ErrTooFewReplies reports a round closed with fewer updates than the
	// minimum: the round is aborted and retried with a new selection.
	ErrTooFewReplies = errors.New("fl round: too few updates")
	// ErrStalled reports a coordinator that aborted DefaultMaxAborts
	// rounds in a row and gave up.
	ErrStalled = errors.New("fl round: too many aborted rounds")
	// ErrNotEnoughClients reports fewer eligible clients than the minimum
	// per round.
	ErrNotEnoughClients = errors.New("fl round: not enough eligible clients")
	// ErrNoCoordinator reports that every coordinator of the succession
	// list is dead.
	ErrNoCoordinator = errors.New("fl round: no coordinator left")
	// ErrSecAgg reports a secure-aggregation step that failed; it wraps
	// the secagg error.
	ErrSecAgg = errors.New("fl round: secure aggregation failed")
	// ErrTraining reports a local training run that failed.
	ErrTraining = errors.New("fl round: local training failed")
)

// Reason says why a node refused a message. It travels in Refusal messages
// and maps to a sentinel error.
type Reason uint8

// Reasons, one per refusal a peer can act on.
const (
	// ReasonLate: the update arrived after the round closed.
	ReasonLate Reason = iota + 1
	// ReasonStale: the message is for an older epoch or round.
	ReasonStale
	// ReasonNotSelected: the client is not part of the round.
	ReasonNotSelected
	// ReasonDuplicate: the client already sent its update.
	ReasonDuplicate
	// ReasonInvalid: the update was refused as invalid; the client is
	// excluded.
	ReasonInvalid
	// ReasonBudget: the client's privacy budget is spent; it stops
	// participating.
	ReasonBudget
	// ReasonNotCoordinator: the sender is not the coordinator of the
	// message's epoch.
	ReasonNotCoordinator
	// ReasonTraining: the client could not train or mask its update.
	ReasonTraining
	// ReasonSecAgg: a secure-aggregation message was refused.
	ReasonSecAgg

	maxReason = ReasonSecAgg
)

// Err returns the sentinel error of r, or ErrMalformed for an unknown
// reason.
func (r Reason) Err() error {
	switch r {
	case ReasonLate:
		return ErrLate
	case ReasonStale:
		return ErrStale
	case ReasonNotSelected:
		return ErrNotSelected
	case ReasonDuplicate:
		return ErrDuplicate
	case ReasonInvalid:
		return ErrInvalidUpdate
	case ReasonBudget:
		return ErrBudgetExhausted
	case ReasonNotCoordinator:
		return ErrNotCoordinator
	case ReasonTraining:
		return ErrTraining
	case ReasonSecAgg:
		return ErrSecAgg
	}
	return ErrMalformed
}

// String returns the sentinel error's text without the package prefix.
func (r Reason) String() string {
	if r == 0 || r > maxReason {
		return fmt.Sprintf("reason %d", uint8(r))
	}
	return strings.TrimPrefix(r.Err().Error(), "fl round: ")
}

// reasonOf returns the Reason whose sentinel err wraps, and ReasonInvalid
// if none does.
func reasonOf(err error) Reason {
	for r := ReasonLate; r <= maxReason; r++ {
		if errors.Is(err, r.Err()) {
			return r
		}
	}
	return ReasonInvalid
}

// RefusalError is a refusal received from a peer, as reported in events.
// It wraps the sentinel of its Reason.
type RefusalError struct {
	// Reason is the refusal's code.
	Reason Reason
	// Detail is the peer's free-text explanation.
	Detail string
}

// Error returns the reason and the detail.
func (e *RefusalError) Error() string {
	if e.Detail == "" {
		return "refused: " + e.Reason.String()
	}
	return fmt.Sprintf("refused: %v: %s", e.Reason, e.Detail)
}

// Unwrap returns the sentinel error of the reason.
func (e *RefusalError) Unwrap() error { return e.Reason.Err() }
