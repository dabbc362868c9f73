package node

import "time"

// Timers of the node runtime. Protocol timers of the handshake and of sessions live in those packages;
// these decide when the runtime acts on a peer.
const (
	// TickInterval is the period of the runtime's housekeeping loop: handshake retransmissions,
	// keepalives, rekeying, dead-peer detection, revocation-list reloads and the mesh core's timers
	// (link hellos every 50 ms, dead neighbours after 250 ms) are all checked this often, so it is a
	// small fraction of the link hello interval.
	TickInterval = 10 * time.Millisecond

	// DeadPeerKeepalives is how many keepalive intervals may pass without any authenticated frame
	// from a peer before the peer is declared down and a new handshake is started. Both sides send a
	// keepalive each interval on idle sessions, so two missed intervals plus RestartGrace mean the peer
	// is gone or has restarted.
	DeadPeerKeepalives = 2

	// RestartGrace is added to the dead-peer timeout to tolerate one handshake retransmission's delay.
	RestartGrace = time.Second

	// HandshakeRetryInterval is the gap between two handshakes the runtime starts towards a peer that
	// has no session. The handshake machine retransmits each attempt on its own schedule.
	HandshakeRetryInterval = 10 * time.Second

	// ResponderRekeyMargin makes the responder of a session start its own handshake this long after the
	// initiator would have, so both sides do not rekey at the same moment.
	ResponderRekeyMargin = 10 * time.Second

	// PeerExchangeInterval is how often a node tells its peers about its other peers (and it does
	// so whenever a peer comes up).
	PeerExchangeInterval = 30 * time.Second

	// RejectLogInterval limits "rejected peer" warnings to one per source address per interval.
	RejectLogInterval = 10 * time.Second
)

// Limits of the node runtime.
const (
	// MaxPacketSize is the largest datagram the runtime reads.
	MaxPacketSize = 65535
	// MaxPeers bounds the peers the runtime tracks, configured and inbound together.
	MaxPeers = 4096
	// MaxRejectLogEntries bounds the table that rate-limits rejection warnings.
	MaxRejectLogEntries = 1024
	// MaxExchangePeers bounds the entries of one peer exchange message.
	MaxExchangePeers = 8
	// MaxSparePeers bounds the spare peers learnt from peer exchange.
	MaxSparePeers = 64
	// DefaultMinPeers is the number of up peers below which a node dials spare peers (Options.MinPeers).
	DefaultMinPeers = 2
)
