package api

import (
	"cmp"
	"net/http"
	"slices"
)

// Topology is the local node's view of the mesh, as a graph to draw. A distance-vector node knows its
// own links with their measurements and, for every destination it has a route to, the next hop and
// the metric; it does not know the links between other nodes, so Links only ever start at Self.
type Topology struct {
	// Self is the local node's ID.
	Self string `json:"self"`
	// Nodes are the local node, its neighbours and every destination in its routing table, sorted
	// by ID.
	Nodes []TopologyNode `json:"nodes"`
	// Links are the local node's links to its neighbours, sorted by To.
	Links []TopologyLink `json:"links"`
	// Routes are the routes in use, one per reachable destination, sorted by Destination.
	Routes []TopologyRoute `json:"routes"`
}

// TopologyNode is one node of the graph.
type TopologyNode struct {
	// ID is the node's ID.
	ID string `json:"id"`
	// Name is the name in the node's certificate, when the local node has seen it.
	Name string `json:"name,omitempty"`
	// Self marks the local node.
	Self bool `json:"self"`
	// Neighbour marks a direct neighbour (its link may be down).
	Neighbour bool `json:"neighbour"`
	// Reachable reports whether the local node can send to the node: itself, or a selected route.
	Reachable bool `json:"reachable"`
	// Metric is the metric of the route in use: 0 for the local node, MetricInfinity when
	// unreachable.
	Metric int `json:"metric"`
	// NextHop is the neighbour the route in use goes through; empty for the local node and when
	// unreachable.
	NextHop string `json:"next_hop,omitempty"`
}

// TopologyLink is a link of the local node to a neighbour, with the link layer's measurements.
type TopologyLink struct {
	// From is the local node's ID.
	From string `json:"from"`
	// To is the neighbour's ID.
	To string `json:"to"`
	// Up reports whether the link carries routing.
	Up bool `json:"up"`
	// RTT is the smoothed round-trip time in milliseconds; 0 before the first measurement.
	RTT float64 `json:"rtt_ms"`
	// RTTVar is the round-trip time variation in milliseconds; 0 before the first measurement.
	RTTVar float64 `json:"rttvar_ms"`
	// RxLoss is the fraction, 0 to 1, of the neighbour's recent hellos that did not arrive.
	RxLoss float64 `json:"rx_loss"`
	// TxLoss is the fraction, 0 to 1, of the local node's recent hellos the neighbour missed.
	TxLoss float64 `json:"tx_loss"`
	// Cost is the link's routing cost; MetricInfinity when the link is down.
	Cost int `json:"cost"`
}

// TopologyRoute is a route in use.
type TopologyRoute struct {
	// Destination is the destination's ID.
	Destination string `json:"destination"`
	// NextHop is the neighbour the route goes through.
	NextHop string `json:"next_hop"`
	// Metric is the route's metric, below MetricInfinity.
	Metric int `json:"metric"`
}

// Normalize returns t with nil lists replaced by empty ones and every list sorted as documented,
// so that equal views encode to equal JSON.
func (t Topology) Normalize() Topology {
	t.Nodes = slices.SortedFunc(slices.Values(t.Nodes), func(a, b TopologyNode) int { return cmp.Compare(a.ID, b.ID) })
	t.Links = slices.SortedFunc(slices.Values(t.Links), func(a, b TopologyLink) int {
		return cmp.Or(cmp.Compare(a.To, b.To), cmp.Compare(a.From, b.From))
	})
	t.Routes = slices.SortedFunc(slices.Values(t.Routes), func(a, b TopologyRoute) int {
		return cmp.Or(cmp.Compare(a.Destination, b.Destination), cmp.Compare(a.NextHop, b.NextHop))
	})
	if t.Nodes == nil {
		t.Nodes = []TopologyNode{}
	}
	if t.Links == nil {
		t.Links = []TopologyLink{}
	}
	if t.Routes == nil {
		t.Routes = []TopologyRoute{}
	}
	return t
}

func (s *server) topology(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.b.Topology().Normalize())
}
