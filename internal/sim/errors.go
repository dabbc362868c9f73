package sim

import "errors"

// Sentinel errors; every error of the package wraps one of them.
var (
	// ErrInvalidOptions reports Options that Validate refused; the message
	// names the option.
	ErrInvalidOptions = errors.New("sim: invalid options")
	// ErrNoNode reports a node index outside the network.
	ErrNoNode = errors.New("sim: no such node")
	// ErrNoLink reports a pair of nodes without a link in the topology.
	ErrNoLink = errors.New("sim: no such link")
	// ErrNodeState reports an operation refused in the node's current
	// state: crashing a node that is down, restarting one that is up,
	// sending from or to a node that is down.
	ErrNodeState = errors.New("sim: wrong node state")
	// ErrTopology reports a topology that could not be built.
	ErrTopology = errors.New("sim: topology")
	// ErrSetup reports a failure to create identities or Cores.
	ErrSetup = errors.New("sim: setup")
)
