package node

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestGrafanaDashboardMetrics checks that every x0tta6bl4 metric the Grafana dashboard in deploy/
// queries is described by the node's collector, so the dashboard cannot drift from the code.
func TestGrafanaDashboardMetrics(t *testing.T) {
	dash, err := os.ReadFile("../../deploy/grafana/x0tta6bl4.json")
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	ch := make(chan *prometheus.Desc, 64)
	(&Node{}).Collector().Describe(ch)
	close(ch)
	nameRE := regexp.MustCompile(`fqName: "([a-z0-9_]+)"`)
	for d := range ch {
		m := nameRE.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read the name of %v", d)
		}
		exported[m[1]] = true
	}
	used := regexp.MustCompile(`x0tta6bl4_[a-z0-9_]+`).FindAllString(string(dash), -1)
	if len(used) == 0 {
		t.Fatal("the dashboard queries no x0tta6bl4 metric")
	}
	for _, name := range used {
		// A histogram's series are its name with _bucket, _sum and _count.
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if !exported[name] && !exported[base] {
			t.Errorf("dashboard queries %s, which the node does not export", name)
		}
	}
}
