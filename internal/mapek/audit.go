package mapek

import (
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Stage is the MAPE-K stage that made a decision.
type Stage uint8

// Stages.
const (
	StageMonitor  Stage = iota + 1 // windows and Snapshot checks
	StageAnalyze                   // rules and Scorer
	StagePlan                      // policy, cooldown, damping, budget
	StageExecute                   // Actuator calls
	StageVerify                    // outcome checks and rollbacks
	StageIncident                  // incident life cycle
)

// String returns the name of the stage.
func (s Stage) String() string {
	switch s {
	case StageMonitor:
		return "monitor"
	case StageAnalyze:
		return "analyze"
	case StagePlan:
		return "plan"
	case StageExecute:
		return "execute"
	case StageVerify:
		return "verify"
	case StageIncident:
		return "incident"
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return s >= StageMonitor && s <= StageIncident }

// Events of audit records.
const (
	EventInvalidSnapshot = "invalid-snapshot" // Monitor refused the Snapshot
	EventForgot          = "forgot"           // Monitor dropped a silent neighbour
	EventIgnored         = "ignored"          // Monitor tracks MaxNeighbours already
	EventSymptom         = "symptom"          // Analyze raised a symptom (at its onset)
	EventOpened          = "opened"           // an incident opened
	EventMitigated       = "mitigated"        // an incident's symptom was removed by an action
	EventResolved        = "resolved"         // an incident resolved
	EventSkipCooldown    = "skip-cooldown"    // Plan: subject within its cooldown
	EventSkipDamped      = "skip-damped"      // Plan: subject suppressed by flap damping
	EventSkipBudget      = "skip-budget"      // Plan: global action budget spent
	EventSkipNoPolicy    = "skip-no-policy"   // Plan: no ladder for the symptom kind
	EventExhausted       = "exhausted"        // Plan: every rung of the ladder tried
	EventSkipHeld        = "skip-held"        // Plan: an effective action still holds the symptom
	EventSkipAmbiguous   = "skip-ambiguous"   // Plan: the evidence does not single out the subject
	EventApplied         = "applied"          // Execute: the Actuator applied an action
	EventFailed          = "failed"           // Execute: the Actuator refused an action
	EventEffective       = "effective"        // Verify: the symptom was gone
	EventPersisted       = "persisted"        // Verify: the symptom persisted; escalate
	EventRolledBack      = "rolled-back"      // Verify: worse outcome, undone
	EventUndoFailed      = "undo-failed"      // Verify: worse outcome, undo refused
	EventRegressed       = "regressed"        // Verify: a holding action no longer does what it is for; escalate
)

// AuditRecord is one decision of the Loop: what was seen, why, what was done
// and what happened.
type AuditRecord struct {
	// At is the Step's time and Stage the stage that decided.
	At    time.Time
	Stage Stage
	// Event is one of the Event constants.
	Event string
	// Symptom and Subject are the symptom concerned (zero for none).
	Symptom SymptomKind
	Subject identity.NodeID
	// Action and ActionID are the action concerned (zero for none).
	Action   ActionKind
	ActionID uint64
	// Incident is the incident concerned (zero for none).
	Incident uint64
	// Decider is what raised the symptom, if any.
	Decider Decider
	// Detail says why, in words.
	Detail string
	// Evidence holds the numbers behind the decision.
	Evidence map[string]float64
}
