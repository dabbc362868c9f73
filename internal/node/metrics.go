package node

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metricsCollector exposes the node's counters to Prometheus. It reads them at scrape time, so the
// node keeps no second copy of any count.
type metricsCollector struct {
	n *Node

	peers, routes, meshTables                   *prometheus.Desc
	bytes, frames                               *prometheus.Desc
	handshakes, hsRetransmits, hsGaveUp, hsDrop *prometheus.Desc
	cookies                                     *prometheus.Desc
	meshPackets, meshDrops, meshSessions        *prometheus.Desc
	sendQueueDrops                              *prometheus.Desc
	heal                                        healingDescs
	modelRound, modelVersions, modelEpsilon     *prometheus.Desc
}

// Collector returns a prometheus.Collector of the node's metrics, for the registry the caller
// serves. Names follow Prometheus conventions under the x0tta6bl4_ prefix.
func (n *Node) Collector() prometheus.Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("x0tta6bl4_"+name, help, labels, nil)
	}
	return &metricsCollector{
		n:              n,
		peers:          d("peers", "Peers by state: up, down or connecting.", "state"),
		routes:         d("routes_selected", "Destinations with a selected route."),
		meshTables:     d("mesh_table_entries", "Sizes of the mesh core's tables.", "table"),
		bytes:          d("session_bytes_total", "Bytes of hop-by-hop session frames, by direction.", "direction"),
		frames:         d("session_frames_total", "Hop-by-hop session frames, by direction.", "direction"),
		handshakes:     d("handshakes_total", "Completed hop-by-hop handshakes, by role.", "role"),
		hsRetransmits:  d("handshake_retransmissions_total", "Retransmitted handshake initiations and certificate requests."),
		hsGaveUp:       d("handshake_gave_up_total", "Handshakes abandoned after the attempt time."),
		hsDrop:         d("handshake_dropped_total", "Handshake messages dropped (malformed, bad MAC, replay, rejected certificate, ...)."),
		cookies:        d("handshake_cookie_replies_total", "Cookie replies and retries sent under load or for address validation."),
		meshPackets:    d("mesh_packets_total", "Mesh packets by what happened to them.", "event"),
		meshDrops:      d("mesh_drops_total", "Mesh packets and datagrams dropped, by reason.", "reason"),
		meshSessions:   d("mesh_sessions_established_total", "End-to-end sessions established."),
		sendQueueDrops: d("send_queue_drops_total", "Sealed frames dropped because the transport send queue was full."),
		heal:           newHealingDescs(d),
		modelRound:     d("model_round", "Round of the current model version; 0 with none. Only on a node with a model registry."),
		modelVersions:  d("model_versions", "Model versions the node's registry stores. Only on a node with a model registry."),
		modelEpsilon: d("model_epsilon", "Differential-privacy ε spent by all rounds up to the current model version; "+
			"0 with none or when the rounds were not accounted. Only on a node with a model registry."),
	}
}

// Describe implements prometheus.Collector.
func (c *metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.peers, c.routes, c.meshTables, c.bytes, c.frames, c.handshakes,
		c.hsRetransmits, c.hsGaveUp, c.hsDrop, c.cookies, c.meshPackets, c.meshDrops, c.meshSessions, c.sendQueueDrops,
		c.modelRound, c.modelVersions, c.modelEpsilon} {
		ch <- d
	}
	c.heal.describe(ch)
}

// Collect implements prometheus.Collector.
func (c *metricsCollector) Collect(ch chan<- prometheus.Metric) {
	states := map[string]float64{"up": 0, "down": 0, "connecting": 0}
	var rx, tx, rxf, txf float64
	for _, p := range c.n.Peers() {
		states[p.State]++
		rx += float64(p.RxBytes)
		tx += float64(p.TxBytes)
		rxf += float64(p.RxFrames)
		txf += float64(p.TxFrames)
	}
	for s, v := range states {
		ch <- prometheus.MustNewConstMetric(c.peers, prometheus.GaugeValue, v, s)
	}
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, rx, "rx")
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, tx, "tx")
	ch <- prometheus.MustNewConstMetric(c.frames, prometheus.CounterValue, rxf, "rx")
	ch <- prometheus.MustNewConstMetric(c.frames, prometheus.CounterValue, txf, "tx")
	selected := 0
	for _, r := range c.n.Routes() {
		if r.Selected {
			selected++
		}
	}
	ch <- prometheus.MustNewConstMetric(c.routes, prometheus.GaugeValue, float64(selected))
	ch <- prometheus.MustNewConstMetric(c.sendQueueDrops, prometheus.CounterValue, float64(c.n.tx.dropped.Load()))

	c.n.mu.Lock()
	hs := c.n.machine.Stats()
	ms := c.n.core.Stats()
	c.n.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(c.handshakes, prometheus.CounterValue, float64(hs.InitiatorEstablished), "initiator")
	ch <- prometheus.MustNewConstMetric(c.handshakes, prometheus.CounterValue, float64(hs.ResponderEstablished), "responder")
	ch <- prometheus.MustNewConstMetric(c.hsRetransmits, prometheus.CounterValue, float64(hs.Retransmissions))
	ch <- prometheus.MustNewConstMetric(c.hsGaveUp, prometheus.CounterValue, float64(hs.GaveUp))
	ch <- prometheus.MustNewConstMetric(c.hsDrop, prometheus.CounterValue, float64(hs.Dropped))
	ch <- prometheus.MustNewConstMetric(c.cookies, prometheus.CounterValue, float64(hs.CookieRepliesSent))
	for event, v := range map[string]uint64{"originated": ms.Originated, "forwarded": ms.Forwarded, "received": ms.Received, "delivered": ms.Delivered} {
		ch <- prometheus.MustNewConstMetric(c.meshPackets, prometheus.CounterValue, float64(v), event)
	}
	dr := ms.Dropped
	for reason, v := range map[string]uint64{"no_route": dr.NoRoute, "hop_limit": dr.HopLimit, "queue_full": dr.QueueFull,
		"malformed": dr.Malformed, "decrypt": dr.Decrypt, "handshake": dr.Handshake, "identity": dr.Identity, "expired": dr.Expired} {
		ch <- prometheus.MustNewConstMetric(c.meshDrops, prometheus.CounterValue, float64(v), reason)
	}
	ch <- prometheus.MustNewConstMetric(c.meshSessions, prometheus.CounterValue, float64(ms.SessionsEstablished))
	for table, v := range map[string]int{"neighbours": ms.Neighbours, "links_up": ms.LinksUp, "peers": ms.Peers, "sessions": ms.Sessions, "queued": ms.Queued} {
		ch <- prometheus.MustNewConstMetric(c.meshTables, prometheus.GaugeValue, float64(v), table)
	}
	c.n.collectHealing(ch, &c.heal)
	c.collectModels(ch)
}

// collectModels sends the model metrics: none when the node keeps no model store, or when the
// store cannot be read (the scrape then lacks them rather than reporting made-up values).
func (c *metricsCollector) collectModels(ch chan<- prometheus.Metric) {
	m := c.n.models
	if m == nil {
		return
	}
	list, err := m.store.List()
	if err != nil {
		c.n.log.Warn("metrics: cannot read the model store", "err", err)
		return
	}
	var round uint64
	var eps float64
	for _, v := range list {
		if v.Current {
			round, eps = v.Round, v.EpsilonTotal
		}
	}
	ch <- prometheus.MustNewConstMetric(c.modelRound, prometheus.GaugeValue, float64(round))
	ch <- prometheus.MustNewConstMetric(c.modelVersions, prometheus.GaugeValue, float64(len(list)))
	ch <- prometheus.MustNewConstMetric(c.modelEpsilon, prometheus.GaugeValue, eps)
}
