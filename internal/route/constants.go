package route

import "time"

// Wire format and limits.
const (
	// Version is the first byte of every message: the only version of the format this package
	// writes and accepts.
	Version = 1

	// MaxMessageSize is the largest encoded message, in bytes. It is chosen so that a routing
	// message plus the session and transport overheads fits one datagram on any path with an
	// MTU of 1280 bytes (the IPv6 minimum). Outbox splits larger dumps into several messages.
	MaxMessageSize = 1200

	// Infinity is the metric of an unreachable destination. An update with this metric is a
	// retraction. Metrics add with saturation: any sum at or above Infinity is Infinity.
	Infinity = 0xFFFF

	// MaxHopCount is the hop count of a seqno request that a router originates: the request is
	// forwarded towards the source at most MaxHopCount-1 times (RFC 8966 §3.8.2.2 uses 64 as an
	// example value).
	MaxHopCount = 64

	// MaxNeighbours is the largest number of neighbours a Router accepts; NeighbourUp returns
	// ErrTooManyNeighbours beyond it.
	MaxNeighbours = 1024

	// MaxPendingRequests bounds the table of seqno requests recently originated or forwarded
	// (duplicate suppression). When it is full, new requests are neither sent nor forwarded
	// until old entries expire, so a flood of requests cannot grow memory.
	MaxPendingRequests = 4096

	// MaxEvents bounds the events kept for Events. When a caller does not drain them, the
	// oldest events are discarded.
	MaxEvents = 4096
)

// Defaults of Config fields left at zero.
const (
	// DefaultUpdateInterval is the interval between periodic full dumps of the routing table
	// to all neighbours. RFC 8966 Appendix B suggests 4 s for Hellos and 4 × that for
	// updates on wired links; the mesh learns about lost links from the link layer, so
	// periodic updates only repair lost messages and can be infrequent.
	DefaultUpdateInterval = 10 * time.Second

	// DefaultSourceGCTime is how long a feasibility distance (source-table entry) is kept
	// after it was last used to advertise a route (RFC 8966 Appendix B: 3 minutes).
	DefaultSourceGCTime = 3 * time.Minute

	// DefaultSwitchMargin is the metric improvement that makes a router switch from its
	// selected route to another one at once. A smaller improvement must persist for
	// SwitchDelay before the router switches (hysteresis).
	DefaultSwitchMargin = 16

	// DefaultMaxRoutes bounds the routing table: the number of (destination, neighbour)
	// entries. Updates that would grow the table beyond it are dropped.
	DefaultMaxRoutes = 65536

	// DefaultMaxSources bounds the number of destinations (each with its feasibility
	// distance) a Router tracks.
	DefaultMaxSources = 16384
)

// Multipliers from which the other timers are derived when Config leaves them at zero.
const (
	// RouteExpiryNum / RouteExpiryDen is the default RouteExpiry as a multiple of the
	// UpdateInterval (3.5, as in RFC 8966 Appendix B), and also how long a route lives after
	// an update that advertised a given interval.
	RouteExpiryNum, RouteExpiryDen = 7, 2

	// SwitchDelayFactor is the default SwitchDelay as a multiple of the UpdateInterval: a
	// slightly better route wins after it has stayed better for two periodic updates.
	SwitchDelayFactor = 2

	// RequestSuppressionDivisor makes the default RequestSuppression a quarter of the
	// UpdateInterval: a seqno request for the same destination and seqno is not sent or
	// forwarded twice within that time (RFC 8966 §3.8.2.2 duplicate suppression).
	RequestSuppressionDivisor = 4

	// UpdateJitterDivisor bounds the jitter of periodic updates: each one is sent up to
	// UpdateInterval/UpdateJitterDivisor early, so that neighbours do not synchronise.
	UpdateJitterDivisor = 4

	// TriggerDivisor defines a significant metric change: a selected route whose metric moved
	// by at least 1/TriggerDivisor of the metric last advertised is announced at once by a
	// triggered update; smaller changes wait for the next periodic update.
	TriggerDivisor = 8

	// IntervalUnit is the unit of the interval field of an update (centiseconds, as in
	// Babel), so the largest interval on the wire is 655.35 s.
	IntervalUnit = 10 * time.Millisecond

	// SeqnoClockUnit is the clock unit of a router's initial sequence number (ClockSeqno).
	// One second: 2^15 units are about nine hours, far longer than any route or feasibility
	// distance of an earlier incarnation survives (DefaultSourceGCTime), and far more than
	// seqno requests can advance a router's seqno in that time.
	SeqnoClockUnit = time.Second
)
