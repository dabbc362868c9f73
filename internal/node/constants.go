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

	// ResourceSampleInterval is how often self-healing samples the process's CPU time and memory:
	// the CPU fraction is the CPU time used over this interval, long enough to be more than a
	// scheduler tick's noise, and the loop smooths it further.
	ResourceSampleInterval = time.Second

	// ChaosBlackholeDelay is how long after a blackholed node's session first comes up the chaos
	// blackhole starts (ChaosOptions), so that the link is up and measured when it dies.
	ChaosBlackholeDelay = 2 * time.Second
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
	// MaxTrackedHealRecords bounds the incidents and actions the self-healing metrics follow until
	// they are resolved or verified (as many as the agent's histories).
	MaxTrackedHealRecords = 1024
	// MaxSystemFileSize bounds what is read of a /proc or /sys file to learn the memory limit.
	MaxSystemFileSize = 64 << 10
	// MaxCgroupDepth bounds the cgroup ancestors whose memory limits are read.
	MaxCgroupDepth = 32
	// cgroupUnlimited is the smallest value a cgroup v1 memory limit takes when it is not set (the
	// kernel reports LONG_MAX rounded down to a page).
	cgroupUnlimited = 1 << 62
)

// Batched datagram I/O (batch.go).
const (
	// ReadBatchSize is how many datagrams the read loop takes per system call when the transport
	// can batch (transport.BatchConn); each slot is a MaxPacketSize buffer, 1 MiB in all.
	ReadBatchSize = 16
	// SendQueueLen bounds the sealed frames waiting for the writer goroutine; a frame sealed when it
	// is full is dropped and counted, as a full socket buffer would drop it.
	SendQueueLen = 1024
	// sendBufferSize is the capacity of the recycled frame buffers: a 1,280-byte QUIC packet with
	// the stream, mesh and session overheads fits with room to spare. Larger frames get a buffer of
	// their own.
	sendBufferSize = 2048
)
