package sim

import "time"

// Limits on Options, checked by Options.Validate.
const (
	// MinNodes is the smallest network simulated.
	MinNodes = 2
	// MaxNodes is the largest network simulated; mesh.Core keeps per-peer
	// state, so memory grows with the square of the node count.
	MaxNodes = 2000
	// MaxDuration is the longest virtual run.
	MaxDuration = 24 * time.Hour
	// MaxLatency bounds the one-way latency and the jitter of a link.
	MaxLatency = 10 * time.Second
	// MaxLoss bounds the loss probability of a link (a link losing
	// everything never comes up).
	MaxLoss = 0.99
	// MaxTrafficRate bounds the application datagrams sent per second.
	MaxTrafficRate = 100000
	// MinDatagramSize is the smallest application datagram: it carries an
	// 8-byte datagram number.
	MinDatagramSize = 8
	// MaxStretchSamples bounds the pairs sampled for path stretch.
	MaxStretchSamples = 1000000
)

// Defaults of DefaultOptions.
const (
	// DefaultNodes is the default network size.
	DefaultNodes = 25
	// DefaultDuration is the default virtual run time.
	DefaultDuration = 30 * time.Second
	// DefaultLatency is the default one-way link latency.
	DefaultLatency = 5 * time.Millisecond
	// DefaultJitter is the default extra one-way delay, uniform in
	// [0, DefaultJitter].
	DefaultJitter = time.Millisecond
	// DefaultTrafficRate is the default number of application datagrams
	// sent per second (all pairs together) after convergence.
	DefaultTrafficRate = 20
	// DefaultDatagramSize is the default application datagram size.
	DefaultDatagramSize = 64
	// DefaultStretchSamples is the default number of (source, destination)
	// pairs sampled for path stretch.
	DefaultStretchSamples = 500
)

// Scenario and measurement timing.
const (
	// Start is the virtual time at which every simulation starts. Node
	// certificates are valid from an hour before it for CertValidity.
	Start = "2026-01-01T00:00:00Z"
	// CertValidity is the validity of the simulated nodes' certificates.
	CertValidity = 365 * 24 * time.Hour
	// CheckInterval is the resolution of the convergence measurement: how
	// often Run checks whether every node has a route to every other.
	CheckInterval = 10 * time.Millisecond
	// OptimalCheckInterval is how often Run checks, once routes are
	// complete, whether every route followed is least-cost (the check runs
	// a Dijkstra per node, so it is done less often).
	OptimalCheckInterval = 100 * time.Millisecond
	// TrafficDrain is how long before the end of a run Run stops sending
	// datagrams, so that those sent can still arrive (or be dropped).
	TrafficDrain = 2 * time.Second
	// LinkBacklog is the largest serialisation backlog a link direction
	// accepts (its buffer, in time at Bandwidth); payloads beyond it are
	// dropped (drop-tail), as a real interface queue would.
	LinkBacklog = 100 * time.Millisecond
	// MinTickGap is the least time between two Ticks of a Core whose
	// NextDeadline is not in the future after a Tick (defensive: a Core
	// never returns such a deadline for long).
	MinTickGap = 100 * time.Microsecond
)

// Topology generation.
const (
	// ScaleFreeM is the number of edges each new node brings in the
	// Barabási–Albert model.
	ScaleFreeM = 2
	// GeometricRadiusFactor sets the random-geometric radius
	// r = sqrt(GeometricRadiusFactor * ln(N) / (π N)); above 1 the graph
	// is connected with high probability.
	GeometricRadiusFactor = 2.0
	// MaxTopologyAttempts is how many random-geometric graphs are drawn
	// before New gives up on finding a connected one.
	MaxTopologyAttempts = 100
)

// Fault injection limits (faults_chaos.go).
const (
	// MaxFloodRate bounds the junk handshake messages per second that
	// HandshakeFlood sends to one node.
	MaxFloodRate = 100000
	// MinFlapPeriod is the shortest period of Flap: the link is cut and
	// healed once per period each.
	MinFlapPeriod = time.Millisecond
	// FloodHopLimit is the hop limit of the packets that carry junk
	// handshake messages.
	FloodHopLimit = 8
	// MinStepGap is the least time between two Steps of a node's healing
	// agent whose NextStep is not in the future after a Step (defensive).
	MinStepGap = time.Millisecond
)

// In-flight bookkeeping.
const (
	// LostAfter is how long an application datagram may stay undelivered
	// before the simulator forgets it as lost: far beyond the mesh's
	// queueing limit (mesh.DefaultMaxQueueDelay, 15 s) plus any path
	// latency. It bounds the memory of long runs with lossy traffic.
	LostAfter = 2 * time.Minute
	// purgeFloor is the number of datagrams in flight below which the
	// simulator does not look for lost ones.
	purgeFloor = 4096
)
