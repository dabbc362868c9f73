package api

import "time"

// Limits of the API.
const (
	// MaxBodySize bounds every request body.
	MaxBodySize = 64 << 10
	// MaxResponseSize bounds a response body read by Client.
	MaxResponseSize = 16 << 20
	// MaxPingCount bounds the datagrams of one ping request.
	MaxPingCount = 100_000
	// MaxPingSize bounds the payload of one ping datagram.
	MaxPingSize = 1200
	// MaxPingWindow bounds the ping datagrams in flight at once.
	MaxPingWindow = 1024
	// DefaultPingWindow is the ping datagrams in flight when the request does not say.
	DefaultPingWindow = 32
	// MaxPingTimeout bounds how long one ping request may run.
	MaxPingTimeout = 5 * time.Minute
	// DefaultPingTimeout is how long a ping request may run when the request does not say.
	DefaultPingTimeout = 30 * time.Second
	// ModelIDSize is the size of a model version ID (a SHA-256), in bytes.
	ModelIDSize = 32
	// MaxRollbackReasonSize bounds the reason of a model rollback request, in bytes; it is the
	// model registry's own limit.
	MaxRollbackReasonSize = 512
)

// MetricInfinity is the metric of an unreachable destination in Topology and RouteInfo, and the
// cost of a link that is down.
const MetricInfinity = 0xFFFF
