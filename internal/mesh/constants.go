package mesh

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/route"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

// Payload kinds: the first byte of every mesh payload. They lie in
// [KindMin, KindMax], away from the node runtime's own kinds (0x01 to 0x03).
const (
	// KindMin is the smallest kind byte reserved for the mesh.
	KindMin byte = 0x10
	// KindLink is followed by a link message (link.Hello or link.HelloAck).
	KindLink byte = 0x10
	// KindRoute is followed by a route message (route.Message).
	KindRoute byte = 0x11
	// KindPacket starts a forwarded packet: the rest of a Header, then an
	// end-to-end message.
	KindPacket byte = 0x12
	// KindMax is the largest kind byte reserved for the mesh.
	KindMax byte = 0x1f
)

// Inner kinds: the first byte of the plaintext of an end-to-end session
// frame. An empty plaintext is a keepalive.
const (
	// InnerDatagram is followed by an application datagram.
	InnerDatagram byte = 0x01
	// InnerEchoRequest is followed by EchoDataSize bytes that the
	// destination returns in an InnerEchoReply (Core.Probe).
	InnerEchoRequest byte = 0x02
	// InnerEchoReply is followed by the EchoDataSize bytes of the request.
	InnerEchoReply byte = 0x03
	// EchoDataSize is the size of the data of an echo request or reply.
	EchoDataSize = 8
)

// Self-healing hooks (heal.go, probe.go).
const (
	// MaxCostFactor is the largest link cost multiplier SetCostFactor
	// accepts: 64 turns a perfect link into the cost of a link losing
	// about 98% of its packets.
	MaxCostFactor = 64.0

	// QuarantinePenalty is the metric added to the routes through a
	// quarantined neighbour: the cost of 64 perfect links, so that any
	// other route of fewer hops wins.
	QuarantinePenalty uint16 = 0x4000

	// ProbeActiveWindow is how recently a datagram must have been sent to
	// a peer for Probe to send it echo requests.
	ProbeActiveWindow = 10 * time.Second

	// MaxOutstandingProbes bounds the unanswered messages counted per peer
	// for the relay accounting; answers beyond it are not credited.
	MaxOutstandingProbes = 64
)

// Sizes, in bytes.
const (
	// HeaderSize is the size of a packet Header: kind (1), hop limit (1),
	// reserved (2), source NodeID (32) and destination NodeID (32).
	HeaderSize = 4 + 2*identity.NodeIDSize

	// MaxPayloadSize is the largest mesh payload: the largest plaintext of
	// a hop-by-hop session frame (65503), so that every payload fits one
	// frame of at most 65535 bytes, the node runtime's MaxPacketSize.
	MaxPayloadSize = session.MaxPayloadSize

	// MaxInnerSize is the largest end-to-end message a packet carries.
	MaxInnerSize = MaxPayloadSize - HeaderSize

	// MaxDatagramSize is the largest application datagram Send accepts:
	// MaxInnerSize less the end-to-end frame overhead and the inner kind
	// byte (65402).
	MaxDatagramSize = MaxInnerSize - session.Overhead - 1
)

// Defaults of Config.
const (
	// DefaultHopLimit is the hop limit of the packets a node originates: a
	// packet crosses at most DefaultHopLimit-1 relays.
	// Babel's feasibility condition already prevents loops, so the hop limit is only a backstop; it
	// is large enough for long chains such as a 100-node line (99 hops).
	DefaultHopLimit = 128

	// DefaultMaxQueuedPerDestination is how many datagrams wait for an
	// end-to-end session to one destination; beyond it the oldest is
	// dropped.
	DefaultMaxQueuedPerDestination = 64

	// DefaultMaxQueueDelay is how long a datagram may wait for a session
	// before it is dropped.
	DefaultMaxQueueDelay = 15 * time.Second

	// DefaultMaxPeers bounds the end-to-end peers a Core tracks (sessions,
	// queues and the overlay address map).
	DefaultMaxPeers = 1024

	// DefaultHandshakeRetryInterval is the least time between two
	// end-to-end handshakes the Core starts towards one peer; the Machine
	// retransmits each attempt on its own schedule meanwhile.
	DefaultHandshakeRetryInterval = 10 * time.Second

	// DefaultResponderRekeyMargin makes the responder of a session start
	// its own handshake this long after the initiator would have, as in
	// internal/node.
	DefaultResponderRekeyMargin = 10 * time.Second

	// DefaultPeerIdleTimeout is how long a peer with no session, no queue
	// and no handshake under way is kept before it is forgotten.
	DefaultPeerIdleTimeout = time.Minute
)

// End-to-end session liveness, after WireGuard's timers.
const (
	// KeepaliveTimeout is how long after receiving data on a session a node
	// that has sent nothing back to the peer sends it a keepalive, so that a
	// flow in one direction only is not taken for a dead session
	// (session.KeepaliveTimeout, 10 s, WireGuard's KEEPALIVE_TIMEOUT).
	KeepaliveTimeout = session.KeepaliveTimeout

	// StaleSessionTimeout is how long a node that has sent data on a session
	// and received nothing from the peer since (not even a keepalive) goes on
	// before it starts a new handshake: the peer may have restarted and lost
	// the session, and would otherwise drop every frame as undecryptable.
	// KeepaliveTimeout plus the handshake's handshake.RekeyTimeout (5 s), as
	// in WireGuard: 15 s.
	StaleSessionTimeout = KeepaliveTimeout + handshake.RekeyTimeout
)

// Bounds of the Core's output queues and tables.
const (
	// MaxNeighbours is the largest number of direct neighbours, the
	// route.Router's limit.
	MaxNeighbours = route.MaxNeighbours

	// MaxOutbox bounds the payloads waiting in Outbox; a payload that finds
	// it full is dropped (DropQueueFull).
	MaxOutbox = 8192

	// MaxDelivered bounds the datagrams waiting in Delivered; a datagram
	// that finds it full is dropped (DropQueueFull).
	MaxDelivered = 4096

	// MaxEvents bounds the events waiting in Events; when it is full the
	// older half is discarded.
	MaxEvents = 4096

	// MaxHopLimitConfig is the largest Config.HopLimit accepted.
	MaxHopLimitConfig = 255

	// MaxQueuedLimit is the largest Config.MaxQueuedPerDestination accepted.
	MaxQueuedLimit = 4096

	// MaxPeersLimit is the largest Config.MaxPeers accepted.
	MaxPeersLimit = 65536
)

// Overlay addresses. The end-to-end handshake.Machine speaks to addresses;
// every node gets one derived from its NodeID.
const (
	// OverlayPrefix is the first byte of every overlay address (fd00::/8,
	// unique local IPv6 addresses); the other 15 bytes are the first 15
	// bytes of the NodeID.
	OverlayPrefix = 0xfd

	// OverlayPort is the port of every overlay address.
	OverlayPort = 1
)

// Per-destination relay accounting.
const (
	// DestWindow is the number of answer-calling messages per destination
	// at which both window counts halve: the judgement rests on the last
	// DestWindow/2 to DestWindow messages, 1.6 to 3.2 s at one echo
	// request per 100 ms self-healing period.
	DestWindow = 32
	// DestMinProbes is the least number of messages in a destination's
	// window for it to be judged: with fewer, one lost answer moves its
	// ratio by more than 1/DestMinProbes = 0.125.
	DestMinProbes = 8
	// DestInFlight is the number of the newest unanswered messages excused
	// as still in flight: the self-healing loop samples right after a probe
	// round, and a path whose round trip exceeds one period has two out.
	DestInFlight = 2
	// DestFailRatio is the answered fraction of a destination's window
	// below which it is failing. A path that forwards faithfully loses only
	// what its links lose (a few per cent), while a relay dropping a
	// fraction f of transit both ways answers (1-f)^2, at most 64 % for the
	// f >= 0.2 grayholes the self-healing loop looks for: a destination
	// answering 90 % is evidence that every relay on its path forwards.
	DestFailRatio = 0.9
	// DestActiveWindow is how long after its newest message a destination
	// still counts for its next hop (measured at Probe's times).
	DestActiveWindow = ProbeActiveWindow
)
