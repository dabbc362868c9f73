package sim

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Topology names a graph family.
type Topology string

// Topologies.
const (
	// Line links node i to node i+1.
	Line Topology = "line"
	// Ring is a Line whose last node is linked to the first.
	Ring Topology = "ring"
	// Grid places the nodes row by row on the grid closest to a square
	// (ceil(sqrt N) columns) and links horizontal and vertical neighbours.
	Grid Topology = "grid"
	// RandomGeometric places the nodes uniformly in the unit square and links
	// those closer than a radius chosen so that the graph is connected with
	// high probability; graphs are drawn until one is connected.
	RandomGeometric Topology = "random-geometric"
	// ScaleFree is a Barabási–Albert graph with ScaleFreeM edges per new
	// node.
	ScaleFree Topology = "scale-free"
)

// Topologies lists every Topology, for help texts.
func Topologies() []Topology { return []Topology{Line, Ring, Grid, RandomGeometric, ScaleFree} }

// ParseTopology returns the Topology named s.
func ParseTopology(s string) (Topology, error) {
	for _, t := range Topologies() {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, 0, 5)
	for _, t := range Topologies() {
		names = append(names, string(t))
	}
	return "", fmt.Errorf("%w: Topology: %q is not one of %s", ErrInvalidOptions, s, strings.Join(names, ", "))
}

// LinkParams describe every link of the virtual network, in each direction.
type LinkParams struct {
	// Latency is the one-way propagation delay.
	Latency time.Duration
	// Jitter is an extra one-way delay drawn uniformly in [0, Jitter] for
	// each payload; payloads may be reordered.
	Jitter time.Duration
	// Loss is the probability that a payload is lost, in [0, MaxLoss].
	Loss float64
	// Bandwidth is the link rate in bytes per second; each payload occupies
	// the link for len/Bandwidth (serialisation delay), one after another.
	// Zero means unlimited.
	Bandwidth int64
}

// Options configure a simulation. Start from DefaultOptions.
type Options struct {
	// Nodes is the number of nodes, in [MinNodes, MaxNodes].
	Nodes int
	// Topology is the graph of direct links.
	Topology Topology
	// Seed drives every behavioural random choice.
	Seed uint64
	// Duration is the virtual time Run simulates, in (0, MaxDuration].
	Duration time.Duration
	// Link describes every link.
	Link LinkParams
	// TrafficRate is the number of application datagrams per second that
	// Run sends between random pairs once routes are complete; zero sends
	// none.
	TrafficRate float64
	// DatagramSize is the size of each application datagram, in
	// [MinDatagramSize, mesh.MaxDatagramSize].
	DatagramSize int
	// StretchSamples is how many random (source, destination) pairs path
	// stretch is measured on (all pairs when there are fewer).
	StretchSamples int
	// Healing runs a self-healing agent (internal/heal: the node's MAPE-K
	// loop) on every node, stepped on virtual time and fed the Core's
	// events; its incidents and actions are logged and kept (Incidents,
	// Actions).
	Healing bool
}

// DefaultOptions returns Options with the Default* values on a grid.
func DefaultOptions() Options {
	return Options{
		Nodes:          DefaultNodes,
		Topology:       Grid,
		Seed:           1,
		Duration:       DefaultDuration,
		Link:           LinkParams{Latency: DefaultLatency, Jitter: DefaultJitter},
		TrafficRate:    DefaultTrafficRate,
		DatagramSize:   DefaultDatagramSize,
		StretchSamples: DefaultStretchSamples,
	}
}

// Validate reports whether o is usable. The error wraps ErrInvalidOptions
// and names the first option at fault.
func (o Options) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidOptions, field, fmt.Sprintf(format, args...))
	}
	if _, err := ParseTopology(string(o.Topology)); err != nil {
		return err
	}
	switch {
	case o.Nodes < MinNodes || o.Nodes > MaxNodes:
		return bad("Nodes", "%d is outside [%d, %d]", o.Nodes, MinNodes, MaxNodes)
	case o.Topology == Ring && o.Nodes < 3:
		return bad("Nodes", "a ring needs at least 3 nodes, not %d", o.Nodes)
	case o.Duration <= 0 || o.Duration > MaxDuration:
		return bad("Duration", "%v is outside (0, %v]", o.Duration, MaxDuration)
	case o.Link.Latency < 0 || o.Link.Latency > MaxLatency:
		return bad("Latency", "%v is outside [0, %v]", o.Link.Latency, MaxLatency)
	case o.Link.Jitter < 0 || o.Link.Jitter > MaxLatency:
		return bad("Jitter", "%v is outside [0, %v]", o.Link.Jitter, MaxLatency)
	case !(o.Link.Loss >= 0 && o.Link.Loss <= MaxLoss): // also refuses NaN
		return bad("Loss", "%v is outside [0, %v]", o.Link.Loss, MaxLoss)
	case o.Link.Bandwidth < 0:
		return bad("Bandwidth", "%d is negative", o.Link.Bandwidth)
	case !(o.TrafficRate >= 0 && o.TrafficRate <= MaxTrafficRate) || math.IsInf(o.TrafficRate, 0):
		return bad("TrafficRate", "%v is outside [0, %d]", o.TrafficRate, MaxTrafficRate)
	case o.DatagramSize < MinDatagramSize || o.DatagramSize > maxDatagram:
		return bad("DatagramSize", "%d is outside [%d, %d]", o.DatagramSize, MinDatagramSize, maxDatagram)
	case o.StretchSamples < 0 || o.StretchSamples > MaxStretchSamples:
		return bad("StretchSamples", "%d is outside [0, %d]", o.StretchSamples, MaxStretchSamples)
	}
	return nil
}
