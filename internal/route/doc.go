// Package route is the mesh's distance-vector routing protocol: Babel (RFC 8966) adapted to a
// network whose routers are identified by their identity.NodeID and in which every router
// announces exactly one destination, itself.
//
// A Router is a pure, deterministic state machine. It owns no sockets, goroutines or clock:
// the runtime tells it about neighbours and their link costs (NeighbourUp, NeighbourCost,
// NeighbourDown), hands it the routing messages received from neighbours (Receive), calls
// Tick at or after NextDeadline, and sends what Outbox returns over the encrypted sessions to
// one neighbour or to all of them. Every call takes the current time; the only randomness,
// the jitter of periodic updates, comes from the *rand.Rand given to New. Two Routers given
// the same inputs produce the same outputs.
//
// The protocol keeps Babel's loop-avoidance machinery: per-source 16-bit sequence numbers
// compared modulo 2^16, feasibility distances and the feasibility condition, which together
// keep the graph of selected routes loop-free at every instant, and seqno requests that let a
// starving router obtain a fresh sequence number from the source. Routes are selected by the
// smallest additive metric (link cost plus advertised metric, Infinity = 0xFFFF) with
// hysteresis, so that small metric fluctuations do not make routes flap.
//
// Messages are versioned sequences of TLVs (Update, RouteRequest, SeqnoRequest), each a batch
// of fixed-size entries, no larger than MaxMessageSize bytes so that every message fits one
// datagram; Encode and Decode are strict and canonical. docs/routing.md describes the format,
// the timers and the differences from RFC 8966.
package route
