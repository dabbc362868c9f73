package discovery

import "time"

// Wire format of a beacon.
const (
	// Magic opens every beacon: "x0tb", x0tta6bl4 beacon.
	Magic = "x0tb"
	// Version is the beacon format this package writes and reads.
	Version = 1
	// NetworkIDSize is the size of the network identity: the SHA-256 hash of the CA certificate.
	NetworkIDSize = 32
	// BeaconSize is the exact size of a version 1 beacon: magic (4), version (1), network ID (32),
	// node ID (32) and UDP port (2).
	BeaconSize = len(Magic) + 1 + NetworkIDSize + 32 + 2
)

// Defaults of the runtime. The group is in the IPv4 organisation-local scope (RFC 2365), which
// routers do not forward beyond a site; beacons are also sent with a TTL of 1 (BeaconTTL), so they
// stay on the local segment.
const (
	// DefaultGroup is the IPv4 multicast group and UDP port beacons are sent to; 116.52 spells "t4".
	DefaultGroup = "239.255.116.52:7199"
	// DefaultInterval is how often a node sends its beacon.
	DefaultInterval = 5 * time.Second
	// MinInterval is the shortest accepted beacon interval; it keeps the LAN chatter low.
	MinInterval = time.Second
	// MaxInterval is the longest accepted beacon interval; beyond it candidates expire too slowly
	// to be useful.
	MaxInterval = 5 * time.Minute
	// BeaconTTL is the IP TTL of beacons: they never leave the local segment.
	BeaconTTL = 1
)

// Bounds of the candidate table. Beacons are unauthenticated, so everything they can make a node
// remember is bounded.
const (
	// MaxCandidates bounds the candidates tracked at once; further new node IDs are dropped until
	// old ones expire.
	MaxCandidates = 64
	// ExpiryIntervals is how many beacon intervals a candidate stays without a fresh beacon: one lost
	// beacon does not drop it, a node that stopped beaconing is forgotten after this many.
	ExpiryIntervals = 3
	// MaxSources bounds the source addresses whose rate-limit state is tracked.
	MaxSources = 256
	// SourceBurst is how many beacons one source IP address may send back to back: a host running
	// several nodes sends one beacon each.
	SourceBurst = 4
	// SourceRefill is the time in which one source IP address earns one more beacon, up to
	// SourceBurst; faster beacons from the address are dropped.
	SourceRefill = 500 * time.Millisecond
	// ReadBufferSize is the receive buffer: larger than a beacon, so oversized datagrams are seen
	// as such and refused rather than silently truncated to a valid size.
	ReadBufferSize = 2 * BeaconSize
)
