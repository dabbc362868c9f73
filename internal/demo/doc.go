// Package demo runs the live demo: an in-process mesh of simulated nodes
// (internal/sim: the real mesh.Core with its hybrid post-quantum handshakes,
// routing and self-healing agents, on a virtual network) advanced at
// wall-clock pace, with periodic chaos, and seen through the node API
// (api.Backend) so that the dashboard can show it healing itself.
//
// A Mesh is driven by Run (or Advance): each tick moves virtual time up to
// the wall clock, sends a little application traffic between random pairs,
// injects and reverts faults on a schedule (crash and restart a busy relay,
// cut and heal a link, flap a link, turn a relay into a grayhole), and
// writes one line per fault and per new incident. The Backend methods show
// the view of one node (Options.View); incidents and actions are those of
// every node's agent. Federated learning rounds are not built, and the demo
// does not pretend they are.
//
// A Mesh is safe for concurrent use: one mutex guards the single-threaded
// simulator, and every Backend method reads a snapshot under it.
package demo
