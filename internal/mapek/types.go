package mapek

import (
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// LocalNode returns the Subject of node-wide symptoms and actions: the zero
// NodeID, which names no node.
func LocalNode() identity.NodeID { return identity.NodeID{} }

// SymptomKind is what Analyze found.
type SymptomKind uint8

// Symptom kinds.
const (
	// SymptomDeadLink: a neighbour reported down for DeadLinkFor.
	SymptomDeadLink SymptomKind = iota + 1
	// SymptomDegradedLink: loss or RTT above the thresholds or the baseline.
	SymptomDegradedLink
	// SymptomFlappingLink: FlapTransitions up/down transitions in the window.
	SymptomFlappingLink
	// SymptomPartition: the route count fell by PartitionDrop from its
	// maximum over the window.
	SymptomPartition
	// SymptomOverload: CPU, memory or queue drops over the thresholds.
	SymptomOverload
	// SymptomMisbehavingRelay: a neighbour drops what it should relay.
	SymptomMisbehavingRelay
	// SymptomForgedTraffic: decrypt, malformed or identity drops at a high rate.
	SymptomForgedTraffic
	// SymptomHandshakeFlood: handshake drops and cookie replies at a high rate.
	SymptomHandshakeFlood
	// SymptomTransportBlocked: handshakes to one peer fail while others work.
	SymptomTransportBlocked

	numSymptomKinds = iota + 1
)

// String returns the name of the kind.
func (k SymptomKind) String() string {
	switch k {
	case SymptomDeadLink:
		return "dead-link"
	case SymptomDegradedLink:
		return "degraded-link"
	case SymptomFlappingLink:
		return "flapping-link"
	case SymptomPartition:
		return "partition-suspected"
	case SymptomOverload:
		return "node-overloaded"
	case SymptomMisbehavingRelay:
		return "misbehaving-relay"
	case SymptomForgedTraffic:
		return "forged-traffic"
	case SymptomHandshakeFlood:
		return "handshake-flood"
	case SymptomTransportBlocked:
		return "transport-blocked"
	}
	return fmt.Sprintf("SymptomKind(%d)", uint8(k))
}

// Valid reports whether k is a known kind.
func (k SymptomKind) Valid() bool { return k >= 1 && k < numSymptomKinds }

// Decider says what raised a Symptom.
type Decider uint8

// Deciders.
const (
	// DecidedByRules: the threshold rules of this package.
	DecidedByRules Decider = iota + 1
	// DecidedByScorer: the Config's Scorer.
	DecidedByScorer
)

// String returns the name of the decider.
func (d Decider) String() string {
	switch d {
	case DecidedByRules:
		return "rules"
	case DecidedByScorer:
		return "scorer"
	}
	return fmt.Sprintf("Decider(%d)", uint8(d))
}

// Symptom is one finding of Analyze.
type Symptom struct {
	// Kind and Subject identify it: Subject is a neighbour, or LocalNode.
	Kind    SymptomKind
	Subject identity.NodeID
	// Severity is in (0, 1]: how far past its threshold the metric is.
	Severity float64
	// Metric is the number the outcome of an action is judged by: higher
	// is worse (loss, RTT ratio, transitions, drop rate...).
	Metric float64
	// Level is the unsmoothed current value of Metric's quantity (the
	// newest sample, or the rate of the newest interval), which a smoothed
	// Metric lags behind; an action is judged against the peak of both seen
	// before it.
	Level float64
	// Since is when the evidence began, as far as the windows tell.
	Since time.Time
	// Decider is what raised the symptom.
	Decider Decider
	// Evidence holds the numbers that triggered the rule, by name.
	Evidence map[string]float64
	// Ambiguous marks evidence that does not single out the subject (a
	// misbehaving-relay symptom with fewer than RelaySpreadMinDests judged
	// destinations): the symptom opens or keeps its incident, but Plan
	// takes no action on it (EventSkipAmbiguous) until the evidence does
	// or the incident is AmbiguousRelayHold old.
	Ambiguous bool
}

// key is the identity of a symptom or incident.
type key struct {
	kind    SymptomKind
	subject identity.NodeID
}

func (s *Symptom) key() key { return key{s.Kind, s.Subject} }

// ActionKind is a remedy the Actuator can apply.
type ActionKind uint8

// Action kinds.
const (
	// ActionRaiseCost multiplies a link's cost by RaiseCostFactor.
	ActionRaiseCost ActionKind = iota + 1
	// ActionQuarantine stops routing transit traffic through a neighbour.
	ActionQuarantine
	// ActionConnectSpares dials SparePeers spare peers.
	ActionConnectSpares
	// ActionSwitchTransport moves a peer to another transport.
	ActionSwitchTransport
	// ActionRekey starts a new handshake with a peer (or all peers for
	// LocalNode).
	ActionRekey
	// ActionRateLimitHandshakes limits handshakes to HandshakeRateLimit per second.
	ActionRateLimitHandshakes
	// ActionRestart restarts the subsystem that owns the subject.
	ActionRestart

	numActionKinds = iota + 1
)

// String returns the name of the kind.
func (k ActionKind) String() string {
	switch k {
	case ActionRaiseCost:
		return "raise-cost"
	case ActionQuarantine:
		return "quarantine"
	case ActionConnectSpares:
		return "connect-spares"
	case ActionSwitchTransport:
		return "switch-transport"
	case ActionRekey:
		return "rekey"
	case ActionRateLimitHandshakes:
		return "rate-limit-handshakes"
	case ActionRestart:
		return "restart"
	}
	return fmt.Sprintf("ActionKind(%d)", uint8(k))
}

// Valid reports whether k is a known kind.
func (k ActionKind) Valid() bool { return k >= 1 && k < numActionKinds }

// Subsystem names what ActionRestart restarts.
type Subsystem uint8

// Subsystems.
const (
	// SubsystemLink is the hop-by-hop session with one neighbour.
	SubsystemLink Subsystem = iota + 1
	// SubsystemRouting is the router (route table and its messages).
	SubsystemRouting
	// SubsystemHandshake is the handshake machine.
	SubsystemHandshake
)

// String returns the name of the subsystem.
func (s Subsystem) String() string {
	switch s {
	case SubsystemLink:
		return "link"
	case SubsystemRouting:
		return "routing"
	case SubsystemHandshake:
		return "handshake"
	}
	return fmt.Sprintf("Subsystem(%d)", uint8(s))
}

// Action is one remedy planned or applied.
type Action struct {
	// ID numbers actions of a Loop from 1.
	ID uint64
	// Kind and Subject say what is done to whom.
	Kind    ActionKind
	Subject identity.NodeID
	// Symptom is the kind of symptom the action answers and Rung its index
	// in that symptom's escalation ladder.
	Symptom SymptomKind
	Rung    int
	// Incident is the ID of the incident the action belongs to.
	Incident uint64
	// At is when it was applied. MetricBefore is what the outcome is
	// judged against: the peak of the symptom's Metric and Level from its
	// detection (or the previous verification) to the action.
	At           time.Time
	MetricBefore float64
	// Outcome is what became of it.
	Outcome Outcome
	// VerifiedAt is when the outcome was decided (zero while pending).
	VerifiedAt time.Time
	// MetricAfter is the symptom's metric at verification (0 if gone).
	MetricAfter float64
	// Err is the Actuator's error, if any.
	Err string
}

// Outcome is the state of an Action.
type Outcome uint8

// Outcomes.
const (
	// OutcomePending: applied, not verified yet.
	OutcomePending Outcome = iota + 1
	// OutcomeFailed: the Actuator returned an error.
	OutcomeFailed
	// OutcomeEffective: the symptom was gone at verification, or the
	// action did what it is for while the symptom persists (traffic
	// diverted from a link, handshakes no longer processed in full); the
	// action then holds the incident (EventSkipHeld) until that no longer
	// is so.
	OutcomeEffective
	// OutcomePersisted: the symptom persisted, not worse (or the action
	// is not judged by it and did not do what it is for); escalated.
	OutcomePersisted
	// OutcomeRolledBack: the outcome was worse and the action was undone.
	OutcomeRolledBack
	// OutcomeUndoFailed: the outcome was worse and undoing it failed.
	OutcomeUndoFailed
)

// String returns the name of the outcome.
func (o Outcome) String() string {
	switch o {
	case OutcomePending:
		return "pending"
	case OutcomeFailed:
		return "failed"
	case OutcomeEffective:
		return "effective"
	case OutcomePersisted:
		return "persisted"
	case OutcomeRolledBack:
		return "rolled-back"
	case OutcomeUndoFailed:
		return "undo-failed"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return o >= OutcomePending && o <= OutcomeUndoFailed }
