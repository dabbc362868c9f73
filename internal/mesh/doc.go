// Package mesh is the pure core of the multi-hop mesh: it turns a node's
// direct neighbours into a network in which every node reaches every other
// by its identity.NodeID, over end-to-end encrypted sessions that relays
// cannot read.
//
// A Core is a deterministic state machine per node. It owns the node's
// link.Table (liveness and cost of each direct neighbour), its route.Router
// (Babel-style distance-vector routing), a second handshake.Machine for
// end-to-end handshakes, and the end-to-end sessions. It has no goroutines,
// sockets or clock: every method takes the current time, jitter comes from
// an injected *rand.Rand and key material from an injected io.Reader. The
// runtime (internal/node, or a simulator) calls it and sends what it
// returns; the Core never calls out.
//
// The runtime reports hop-by-hop sessions with NeighbourUp and
// NeighbourDown, hands every mesh payload received from a neighbour to
// Receive, sends application datagrams with Send and calls Tick at
// NextDeadline. After each call it drains Outbox (payloads to seal on a
// neighbour's hop-by-hop session), Delivered (datagrams for this node) and
// Events.
//
// Every mesh payload starts with a kind byte in [0x10, 0x1f], so that the
// runtime can tell it from its own payloads (0x01 to 0x03): KindLink and
// KindRoute carry the link and route messages, KindPacket a forwarded packet
// whose fixed Header (kind, hop limit, reserved, source and destination
// NodeID, HeaderSize bytes) is all that relays read. The rest of a packet is
// an end-to-end handshake message or session frame between source and
// destination. docs/mesh.md describes the formats, rules and limits.
//
// A Core is not safe for concurrent use.
package mesh
