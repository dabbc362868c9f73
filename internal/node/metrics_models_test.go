package node

import (
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// signBudget signs a detector version of round with parent and the given privacy budget, by the
// node's coordinator.
func (m *modelNode) signBudget(t *testing.T, round uint64, parent registry.ID, epsRound, epsTotal float64) *registry.Record {
	t.Helper()
	r, err := registry.Sign(registry.Params{Kind: ModelKind, Payload: detectorFile(t), Parent: parent, Round: round, Strategy: "fedavg",
		EpsilonRound: epsRound, EpsilonTotal: epsTotal, Delta: 1e-5, Created: time.Now()}, m.coord.id.Signing, m.coord.cert)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// modelGauges returns the node's model metrics by name; absent ones are missing from the map.
func modelGauges(t *testing.T, n *Node) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for k, m := range gather(t, n) {
		if strings.HasPrefix(k, "x0tta6bl4_model_") {
			out[k] = m.GetGauge().GetValue()
		}
	}
	return out
}

// TestModelMetrics: a node with a model registry exports the round and ε total of its current
// version and the number of versions stored, following acceptances and a rollback; a node without
// a registry exports none, and neither does one whose store cannot be read.
func TestModelMetrics(t *testing.T) {
	m := newModelNode(t, "", false)
	want := func(step string, round, versions, eps float64) {
		t.Helper()
		got := modelGauges(t, m.n)
		exp := map[string]float64{"x0tta6bl4_model_round": round, "x0tta6bl4_model_versions": versions, "x0tta6bl4_model_epsilon": eps}
		if len(got) != len(exp) {
			t.Fatalf("%s: model metrics %v, want %v", step, got, exp)
		}
		for k, v := range exp {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s: %s = %v (present %v), want %v", step, k, g, ok, v)
			}
		}
	}
	want("empty registry", 0, 0, 0)

	r1 := m.signBudget(t, 1, registry.ID{}, 0.5, 0.5)
	r2 := m.signBudget(t, 2, r1.ID, 0.75, 1.25)
	if err := m.n.AcceptModel(r1, "test"); err != nil {
		t.Fatal(err)
	}
	want("after round 1", 1, 1, 0.5)
	if err := m.n.AcceptModel(r2, "test"); err != nil {
		t.Fatal(err)
	}
	want("after round 2", 2, 2, 1.25)
	if _, err := m.n.RollbackModel(api.ModelRollbackRequest{ID: r1.ID.String(), Reason: "metrics test"}); err != nil {
		t.Fatal(err)
	}
	want("after rollback", 1, 2, 0.5)

	if err := m.store.Close(); err != nil {
		t.Fatal(err)
	}
	if got := modelGauges(t, m.n); len(got) != 0 {
		t.Errorf("closed store: model metrics %v, want none", got)
	}
	if !strings.Contains(m.log.String(), "cannot read the model store") {
		t.Errorf("closed store: no warning logged:\n%s", m.log)
	}

	if got := modelGauges(t, testNode(t, 0)); len(got) != 0 {
		t.Errorf("node without a registry: model metrics %v, want none", got)
	}
}
