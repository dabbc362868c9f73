package mapek

import (
	"fmt"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Actuator applies actions to the node. It is the only way the Loop changes
// anything; each method returns an error if the action could not be applied.
// The runtime implements it over mesh.Core, the link table, the handshake
// machine and its transports.
type Actuator interface {
	// RaiseLinkCost multiplies the cost of the link to peer by factor.
	RaiseLinkCost(peer identity.NodeID, factor float64) error
	// Quarantine stops routing transit traffic through peer.
	Quarantine(peer identity.NodeID) error
	// ConnectSpares dials up to n spare peers.
	ConnectSpares(n int) error
	// SwitchTransport moves peer to another transport.
	SwitchTransport(peer identity.NodeID) error
	// Rekey starts a new handshake with peer, or with every peer if peer is
	// LocalNode().
	Rekey(peer identity.NodeID) error
	// RateLimitHandshakes limits handshakes accepted to perSecond.
	RateLimitHandshakes(perSecond int) error
	// Restart restarts subsystem s (for SubsystemLink, the session with
	// peer).
	Restart(s Subsystem, peer identity.NodeID) error
	// Undo reverts an action applied earlier (the Action as returned in a
	// StepResult).
	Undo(a Action) error
}

// apply calls the Actuator method for a.
func apply(act Actuator, a *Action) error {
	var err error
	switch a.Kind {
	case ActionRaiseCost:
		err = act.RaiseLinkCost(a.Subject, RaiseCostFactor)
	case ActionQuarantine:
		err = act.Quarantine(a.Subject)
	case ActionConnectSpares:
		err = act.ConnectSpares(SparePeers)
	case ActionSwitchTransport:
		err = act.SwitchTransport(a.Subject)
	case ActionRekey:
		err = act.Rekey(a.Subject)
	case ActionRateLimitHandshakes:
		err = act.RateLimitHandshakes(HandshakeRateLimit)
	case ActionRestart:
		err = act.Restart(subsystemFor(a.Symptom), a.Subject)
	default:
		err = fmt.Errorf("%w: Policy has unknown action %v", ErrInvalidConfig, a.Kind)
	}
	return err
}
