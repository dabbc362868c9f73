// Package heal runs a node's MAPE-K loop (internal/mapek) over its mesh core (internal/mesh):
// it builds the telemetry Snapshot, applies actions to the core, and persists to the Knowledge store.
//
// An Agent is driven by the goroutine that owns the mesh.Core: that goroutine hands every
// batch of Core events to Observe and calls Step whenever NextStep is due. Step samples the
// Core (neighbours and their links, relay accounting, drop and handshake counters, routes),
// adds the route changes seen by Observe and the counters only the runtime knows (Runtime),
// runs mapek.Loop.Step once, and writes the StepResult to the store when there is one.
// Actions reach the Core through its self-healing hooks (SetCostFactor, Quarantine, Rekey,
// ResetNeighbour, ResyncRoutes, SetHandshakeUnderLoad); those the Core cannot perform fail
// with an error wrapping ErrUnsupported, so that the loop records them as failed and moves on
// to the next rung of its ladder. docs/mapek.md ("Wiring: internal/heal") lists where each
// Snapshot field comes from and what each action does.
//
// The package starts no goroutines and reads no clock: every time comes from the caller.
package heal
