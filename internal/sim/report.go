package sim

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Traffic summarises the application datagrams of a run.
type Traffic struct {
	// Sent counts Send calls, Delivered the datagrams delivered to their
	// destination, SendErrors the sends Core.Send refused at once.
	Sent       uint64 `json:"sent"`
	Delivered  uint64 `json:"delivered"`
	SendErrors uint64 `json:"send_errors"`
	// Ratio is Delivered / Sent (zero when nothing was sent).
	Ratio float64 `json:"delivery_ratio"`
	// MeanLatency and MaxLatency are from Send to delivery, including the
	// end-to-end handshake of a session's first datagram.
	MeanLatency time.Duration `json:"mean_latency_ns"`
	MaxLatency  time.Duration `json:"max_latency_ns"`
}

// Messages counts the payloads put on links (before loss) and their bytes.
type Messages struct {
	Total       uint64 `json:"total"`
	Bytes       uint64 `json:"bytes"`
	Link        uint64 `json:"link"`
	LinkBytes   uint64 `json:"link_bytes"`
	Route       uint64 `json:"route"`
	RouteBytes  uint64 `json:"route_bytes"`
	Packet      uint64 `json:"packet"`
	PacketBytes uint64 `json:"packet_bytes"`
	// Lost counts payloads lost to Loss; Dropped those lost to a cut, a
	// crash or a restart while in flight.
	Lost    uint64 `json:"lost"`
	Dropped uint64 `json:"dropped"`
	// Overflow counts payloads dropped by a full link buffer (LinkBacklog).
	Overflow uint64 `json:"overflow"`
	// Grayholed counts transit packets dropped by grayhole nodes.
	Grayholed uint64 `json:"grayholed"`
	// ReceiveErrors counts payloads a Core refused.
	ReceiveErrors uint64 `json:"receive_errors"`
}

// Report is the result of a run.
type Report struct {
	Nodes    int           `json:"nodes"`
	Topology Topology      `json:"topology"`
	Seed     uint64        `json:"seed"`
	Links    int           `json:"links"`
	Diameter int           `json:"diameter_hops"`
	Duration time.Duration `json:"duration_ns"`
	Link     struct {
		Latency   time.Duration `json:"latency_ns"`
		Jitter    time.Duration `json:"jitter_ns"`
		Loss      float64       `json:"loss"`
		Bandwidth int64         `json:"bandwidth_bytes_per_s"`
	} `json:"link"`

	// Converged reports whether every node got a route to every other, at
	// ConvergenceTime (virtual, CheckInterval resolution).
	Converged       bool          `json:"converged"`
	ConvergenceTime time.Duration `json:"convergence_ns"`
	// Optimal reports whether, in addition, every route followed was
	// least-cost, first at OptimalTime (OptimalCheckInterval resolution).
	Optimal     bool          `json:"optimal"`
	OptimalTime time.Duration `json:"optimal_ns"`

	// Stretch is measured at the end of the run.
	Stretch  Stretch  `json:"stretch"`
	Traffic  Traffic  `json:"traffic"`
	Messages Messages `json:"messages"`
	// Sessions counts end-to-end sessions established by the running Cores.
	Sessions uint64 `json:"sessions"`
	// Drops counts payloads and datagrams the running Cores dropped.
	Drops uint64 `json:"drops"`

	// LogLines and LogSHA256 identify the event log.
	LogLines  uint64 `json:"log_lines"`
	LogSHA256 string `json:"log_sha256"`
	// WallTime is the real time the run took (not part of the log).
	WallTime time.Duration `json:"wall_ns"`
}

// Report summarises the simulation so far. Stretch is measured on
// Options.StretchSamples pairs; Diameter is the topology's, in hops.
func (s *Sim) Report() Report {
	r := Report{Nodes: len(s.nodes), Topology: s.opts.Topology, Seed: s.opts.Seed, Links: len(s.edges), Duration: s.Now()}
	r.Link.Latency, r.Link.Jitter, r.Link.Loss, r.Link.Bandwidth = s.opts.Link.Latency, s.opts.Link.Jitter, s.opts.Link.Loss, s.opts.Link.Bandwidth
	for i := range s.nodes {
		for _, d := range bfs(s.adj, i, nil) {
			r.Diameter = max(r.Diameter, d)
		}
	}
	r.Stretch = s.Stretch(s.opts.StretchSamples)
	c := s.stats
	r.Traffic = Traffic{Sent: c.sent, Delivered: c.delivered, SendErrors: c.sendErrors, MaxLatency: c.latencyMax}
	if c.sent > 0 {
		r.Traffic.Ratio = float64(c.delivered) / float64(c.sent)
	}
	if c.delivered > 0 {
		r.Traffic.MeanLatency = c.latencySum / time.Duration(c.delivered)
	}
	r.Messages = Messages{
		Total: c.linkMsgs + c.routeMsgs + c.packetMsgs, Bytes: c.linkBytes + c.routeBytes + c.packetBytes,
		Link: c.linkMsgs, LinkBytes: c.linkBytes, Route: c.routeMsgs, RouteBytes: c.routeBytes,
		Packet: c.packetMsgs, PacketBytes: c.packetBytes, Lost: c.lost, Dropped: c.dropped, Overflow: c.overflow, Grayholed: c.grayholed, ReceiveErrors: c.receiveErrors,
	}
	for _, n := range s.nodes {
		if n.core != nil {
			st := n.core.Stats()
			r.Sessions += st.SessionsEstablished
			r.Drops += st.Dropped.Total()
		}
	}
	r.LogLines, r.LogSHA256 = s.log.lines, s.LogSHA256()
	return r
}

// WriteText writes the report as an aligned table.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	when := func(ok bool, d time.Duration) string {
		if !ok {
			return "not reached"
		}
		return d.String()
	}
	rows := [][2]string{
		{"topology", fmt.Sprintf("%s, %d nodes, %d links, diameter %d hops, seed %d", r.Topology, r.Nodes, r.Links, r.Diameter, r.Seed)},
		{"links", fmt.Sprintf("latency %v, jitter %v, loss %.4g, bandwidth %s", r.Link.Latency, r.Link.Jitter, r.Link.Loss, bandwidth(r.Link.Bandwidth))},
		{"virtual time", r.Duration.String()},
		{"convergence (routes complete)", when(r.Converged, r.ConvergenceTime)},
		{"convergence (all least-cost)", when(r.Optimal, r.OptimalTime)},
		{"path stretch (hops)", fmt.Sprintf("mean %.3f, max %.3f over %d pairs (%d unrouted)", r.Stretch.MeanHops, r.Stretch.MaxHops, r.Stretch.Pairs, r.Stretch.Unrouted)},
		{"path stretch (cost)", fmt.Sprintf("mean %.3f, max %.3f", r.Stretch.MeanCost, r.Stretch.MaxCost)},
		{"delivery ratio", fmt.Sprintf("%.4f (%d of %d datagrams, %d refused at send)", r.Traffic.Ratio, r.Traffic.Delivered, r.Traffic.Sent, r.Traffic.SendErrors)},
		{"datagram latency", fmt.Sprintf("mean %v, max %v", r.Traffic.MeanLatency, r.Traffic.MaxLatency)},
		{"messages", fmt.Sprintf("%d (%d B): link %d (%d B), route %d (%d B), packet %d (%d B)", r.Messages.Total, r.Messages.Bytes,
			r.Messages.Link, r.Messages.LinkBytes, r.Messages.Route, r.Messages.RouteBytes, r.Messages.Packet, r.Messages.PacketBytes)},
		{"lost", fmt.Sprintf("%d to loss, %d to full link buffers, %d to cuts/crashes, %d refused by Cores", r.Messages.Lost, r.Messages.Overflow, r.Messages.Dropped, r.Messages.ReceiveErrors)},
		{"e2e sessions", fmt.Sprintf("%d established, %d Core drops", r.Sessions, r.Drops)},
		{"event log", fmt.Sprintf("%d lines, sha256 %s", r.LogLines, r.LogSHA256)},
		{"wall time", r.WallTime.Round(time.Millisecond).String()},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

func bandwidth(b int64) string {
	if b == 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d B/s", b)
}
