package node

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// healingDescs describe the self-healing metrics.
type healingDescs struct {
	incidents, open, mttd, mttr, actions *prometheus.Desc
}

func newHealingDescs(d func(name, help string, labels ...string) *prometheus.Desc) healingDescs {
	return healingDescs{
		incidents: d("incidents_total", "Self-healing incidents opened, by symptom kind.", "kind"),
		open:      d("incidents_open", "Self-healing incidents open now, by symptom kind.", "kind"),
		mttd: d("mttd_seconds", "Detection latency of self-healing incidents (analyzed_at - detected_at), "+
			"observed when an incident opens, by symptom kind.", "kind"),
		mttr: d("mttr_seconds", "Time to repair of self-healing incidents (resolved_at - detected_at), "+
			"observed when an incident resolves, by symptom kind.", "kind"),
		actions: d("actions_total", "Self-healing actions by kind and outcome: each action is counted when applied "+
			"(pending, or failed) and again when verified (effective, persisted, rolled-back, undo-failed).", "kind", "outcome"),
	}
}

func (d *healingDescs) describe(ch chan<- *prometheus.Desc) {
	for _, x := range []*prometheus.Desc{d.incidents, d.open, d.mttd, d.mttr, d.actions} {
		ch <- x
	}
}

// collectHealing sends the self-healing metrics; none when self-healing is off.
func (n *Node) collectHealing(ch chan<- prometheus.Metric, d *healingDescs) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.heal == nil {
		return
	}
	m := &n.heal.metrics
	open := map[mapek.SymptomKind]int{}
	for _, i := range n.heal.agent.Loop().OpenIncidents() {
		open[i.Kind]++
	}
	for k := mapek.SymptomKind(1); k.Valid(); k++ {
		kind := k.String()
		ch <- prometheus.MustNewConstMetric(d.incidents, prometheus.CounterValue, float64(m.opened[k]), kind)
		ch <- prometheus.MustNewConstMetric(d.open, prometheus.GaugeValue, float64(open[k]), kind)
		ch <- prometheus.MustNewConstHistogram(d.mttd, m.mttd[k].count, m.mttd[k].sum, m.mttd[k].cumulative(), kind)
		ch <- prometheus.MustNewConstHistogram(d.mttr, m.mttr[k].count, m.mttr[k].sum, m.mttr[k].cumulative(), kind)
	}
	for ko, v := range m.actions {
		ch <- prometheus.MustNewConstMetric(d.actions, prometheus.CounterValue, float64(v), ko[0], ko[1])
	}
}
