package round

import "time"

// Output is what a core returns from each input: a message to send, a
// request to train, or an event for the runtime to log or act on.
type Output interface{ output() }

// Send asks the runtime to deliver Msg to To.
type Send struct {
	// To is the recipient.
	To NodeID
	// Msg is the message.
	Msg Message
}

// Train asks a client's runtime to train Params for LocalEpochs local
// epochs and to hand the trained parameters back with Client.Trained.
// Params must not be modified.
type Train struct {
	// Epoch and Round name the round; the result must carry them.
	Epoch uint32
	Round uint64
	// Params is the global model to start from.
	Params []float64
	// LocalEpochs is the number of epochs to train.
	LocalEpochs int
}

// RoundStarted reports that the coordinator sent RoundStart to Selected.
type RoundStarted struct {
	// Epoch and Round name the round.
	Epoch uint32
	Round uint64
	// Selected are the clients asked to train, ascending.
	Selected []NodeID
	// Deadline is when the round stops accepting updates.
	Deadline time.Time
	// Secure and Private say whether the round uses secure aggregation and
	// differential privacy.
	Secure, Private bool
}

// RoundClosed reports a round that produced a model (see ModelReady).
type RoundClosed struct {
	// Epoch and Round name the round.
	Epoch uint32
	Round uint64
	// Replied are the clients whose updates were aggregated, ascending.
	Replied []NodeID
	// Missing are the selected clients that did not contribute:
	// crashed, too slow, out of budget or refused.
	Missing []NodeID
}

// RoundAborted reports a round closed with too few updates, or whose
// aggregation failed; no model was produced and the next round starts with
// a new selection.
type RoundAborted struct {
	// Epoch and Round name the round.
	Epoch uint32
	Round uint64
	// Replied counts the clients heard from in the last phase.
	Replied int
	// Err says why; it wraps ErrTooFewReplies, ErrSecAgg or an
	// aggregation error.
	Err error
}

// ModelReady carries the global model a round produced.
type ModelReady struct {
	// Model is the new global model.
	Model GlobalModel
}

// ClientExcluded reports a client that will not be selected again: its
// update was invalid, it missed too many rounds in a row, or its privacy
// budget is spent.
type ClientExcluded struct {
	// Client is the excluded client.
	Client NodeID
	// Err says why: ErrInvalidUpdate, ErrUnresponsive or
	// ErrBudgetExhausted.
	Err error
}

// MessageRefused reports a message this node refused, such as a
// straggler's late update; a Refusal was sent back when it helps the peer.
type MessageRefused struct {
	// From sent the message, for Epoch and Round.
	From  NodeID
	Epoch uint32
	Round uint64
	// Err says why it was refused.
	Err error
}

// Refused reports a Refusal received from a peer; Err is a *RefusalError.
type Refused struct {
	// By refused a message of Round; Epoch is By's epoch.
	By    NodeID
	Epoch uint32
	Round uint64
	// Err is the *RefusalError received.
	Err error
}

// TookOver reports that this coordinator became the active one, resuming
// from the last global model it knows.
type TookOver struct {
	// Epoch is the new epoch.
	Epoch uint32
	// Model is the Round of the model it resumes from.
	Model uint64
}

// SteppedDown reports that this coordinator learned of a newer epoch and
// stopped coordinating.
type SteppedDown struct {
	// Epoch is the newer epoch learned.
	Epoch uint32
}

// CoordinatorChanged reports that a client follows a new coordinator.
type CoordinatorChanged struct {
	// Epoch is the new epoch and Coordinator its leader.
	Epoch       uint32
	Coordinator NodeID
}

// Finished reports that the coordinator stopped: Completed rounds produced
// a model; Err is nil when the configured number was reached.
type Finished struct {
	// Completed counts the rounds that produced a model.
	Completed int
	// Err says why the coordinator stopped early, nil if it did not.
	Err error
}

// RoundFailed reports, at a client, a round it could not contribute to.
type RoundFailed struct {
	// Epoch and Round name the round.
	Epoch uint32
	Round uint64
	// Err says what failed.
	Err error
}

// BudgetExhausted reports a client whose privacy budget does not allow
// another private round; it declines them from now on.
type BudgetExhausted struct {
	// Epsilon is what the client has spent.
	Epsilon float64
}

func (Send) output()               {}
func (Train) output()              {}
func (RoundStarted) output()       {}
func (RoundClosed) output()        {}
func (RoundAborted) output()       {}
func (ModelReady) output()         {}
func (ClientExcluded) output()     {}
func (MessageRefused) output()     {}
func (Refused) output()            {}
func (TookOver) output()           {}
func (SteppedDown) output()        {}
func (CoordinatorChanged) output() {}
func (Finished) output()           {}
func (RoundFailed) output()        {}
func (BudgetExhausted) output()    {}
