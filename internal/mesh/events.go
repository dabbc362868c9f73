package mesh

import (
	"fmt"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
)

// Outgoing is a payload for the runtime to seal on the hop-by-hop session
// of the direct neighbour To.
type Outgoing struct {
	// To is a direct neighbour.
	To identity.NodeID
	// Payload is the mesh payload, starting with its kind byte. The Core
	// keeps no reference to it.
	Payload []byte
}

// Datagram is an application datagram delivered to this node.
type Datagram struct {
	// From is the sender, authenticated by the end-to-end session.
	From identity.NodeID
	// Data is the datagram.
	Data []byte
}

// EventKind is the kind of an Event.
type EventKind uint8

// Event kinds.
const (
	// EventLinkUp reports a neighbour whose link came up, with its cost.
	EventLinkUp EventKind = iota + 1
	// EventLinkDown reports a neighbour whose link went down or whose
	// hop-by-hop session was lost.
	EventLinkDown
	// EventLinkCost reports a significant change of a link's cost.
	EventLinkCost
	// EventRouteInstalled reports a destination that became reachable.
	EventRouteInstalled
	// EventRouteChanged reports a new next hop or metric for a destination.
	EventRouteChanged
	// EventRouteLost reports a destination that became unreachable.
	EventRouteLost
	// EventSessionUp reports a usable end-to-end session with Peer.
	EventSessionUp
	// EventSessionRefused reports a completed end-to-end handshake refused
	// (Err says why).
	EventSessionRefused
	// EventDrop reports a dropped payload or datagram (Reason and Err say
	// why).
	EventDrop
)

// String returns the name of the kind, for logs.
func (k EventKind) String() string {
	switch k {
	case EventLinkUp:
		return "link-up"
	case EventLinkDown:
		return "link-down"
	case EventLinkCost:
		return "link-cost"
	case EventRouteInstalled:
		return "route-installed"
	case EventRouteChanged:
		return "route-changed"
	case EventRouteLost:
		return "route-lost"
	case EventSessionUp:
		return "session-up"
	case EventSessionRefused:
		return "session-refused"
	case EventDrop:
		return "drop"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// DropReason says why a payload or datagram was dropped.
type DropReason uint8

// Drop reasons.
const (
	// DropNoRoute: no route to the destination.
	DropNoRoute DropReason = iota + 1
	// DropHopLimit: the hop limit ran out.
	DropHopLimit
	// DropQueueFull: a bounded queue or table was full.
	DropQueueFull
	// DropMalformed: the payload did not decode.
	DropMalformed
	// DropDecrypt: no end-to-end session opened the frame.
	DropDecrypt
	// DropHandshake: the end-to-end handshake Machine refused the message.
	DropHandshake
	// DropIdentity: the peer's certificate named another node.
	DropIdentity
	// DropExpired: a datagram waited for a session longer than MaxQueueDelay.
	DropExpired
)

// String returns the name of the reason, for logs.
func (r DropReason) String() string {
	switch r {
	case DropNoRoute:
		return "no-route"
	case DropHopLimit:
		return "hop-limit"
	case DropQueueFull:
		return "queue-full"
	case DropMalformed:
		return "malformed"
	case DropDecrypt:
		return "decrypt"
	case DropHandshake:
		return "handshake"
	case DropIdentity:
		return "identity"
	case DropExpired:
		return "expired"
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Event is something the API or the logs may want to know.
type Event struct {
	// Kind is what happened and At when.
	Kind EventKind
	At   time.Time
	// Peer is the neighbour (link events), the destination (route events),
	// the end-to-end peer (session events) or the packet's destination, if
	// known (drops).
	Peer identity.NodeID
	// NextHop is the next hop of route events.
	NextHop identity.NodeID
	// Cost is the link cost or route metric.
	Cost uint16
	// Reason says why a drop happened.
	Reason DropReason
	// Err details a drop or a refused session.
	Err error
}

// Drops counts dropped payloads and datagrams by reason.
type Drops struct {
	NoRoute, HopLimit, QueueFull, Malformed, Decrypt, Handshake, Identity, Expired uint64
}

// Total returns the number of drops of every reason.
func (d Drops) Total() uint64 {
	return d.NoRoute + d.HopLimit + d.QueueFull + d.Malformed + d.Decrypt + d.Handshake + d.Identity + d.Expired
}

func (d *Drops) add(r DropReason) {
	switch r {
	case DropNoRoute:
		d.NoRoute++
	case DropHopLimit:
		d.HopLimit++
	case DropQueueFull:
		d.QueueFull++
	case DropMalformed:
		d.Malformed++
	case DropDecrypt:
		d.Decrypt++
	case DropHandshake:
		d.Handshake++
	case DropIdentity:
		d.Identity++
	case DropExpired:
		d.Expired++
	}
}

// Stats are the Core's counters and table sizes.
type Stats struct {
	// Originated counts packets this node sent (datagrams, keepalives and
	// handshake messages); Forwarded counts packets relayed for others;
	// Received counts packets addressed to this node.
	Originated, Forwarded, Received uint64
	// Delivered counts datagrams handed to Delivered.
	Delivered uint64
	// SessionsEstablished counts end-to-end sessions set up.
	SessionsEstablished uint64
	// Dropped counts drops by reason.
	Dropped Drops
	// Neighbours, LinksUp, Peers, Sessions and Queued are the current sizes
	// of the tables: direct neighbours, those with a link up, end-to-end
	// peers, live end-to-end sessions and datagrams waiting for a session.
	Neighbours, LinksUp, Peers, Sessions, Queued int
}

// Neighbour is what the Core knows of a direct neighbour.
type Neighbour struct {
	// ID is the neighbour.
	ID identity.NodeID
	// Link is the link table's view of it.
	Link link.Stats
}
