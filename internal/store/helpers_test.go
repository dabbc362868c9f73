package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func nid(i int) identity.NodeID {
	var id identity.NodeID
	id[0], id[1], id[31] = byte(i>>8), byte(i), 1
	return id
}

func openTemp(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "knowledge.db")
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func sampleIncident(id uint64) mapek.Incident {
	return mapek.Incident{ID: id, Kind: mapek.SymptomDeadLink, Subject: nid(int(id)), Decider: mapek.DecidedByRules,
		DetectedAt: t0, AnalyzedAt: t0.Add(2 * time.Second), LastSeen: t0.Add(5 * time.Second),
		PeakSeverity: 0.75, Actions: 1, Rung: 1}
}

func sampleAction(id uint64) mapek.Action {
	return mapek.Action{ID: id, Kind: mapek.ActionRaiseCost, Subject: nid(1), Symptom: mapek.SymptomDegradedLink,
		Incident: 1, At: t0, MetricBefore: 0.3, Outcome: mapek.OutcomePending}
}

func sampleAudit(step, i int) mapek.AuditRecord {
	return mapek.AuditRecord{At: t0.Add(time.Duration(step) * time.Second), Stage: mapek.StageExecute,
		Event: mapek.EventApplied, Symptom: mapek.SymptomDeadLink, Subject: nid(step), Action: mapek.ActionRekey,
		ActionID: uint64(step), Incident: uint64(step), Decider: mapek.DecidedByRules,
		Detail: fmt.Sprintf("step %d record %d", step, i), Evidence: map[string]float64{"step": float64(step), "i": float64(i)}}
}

func sampleBaseline(i int) mapek.Baseline {
	return mapek.Baseline{Peer: nid(i), Loss: 0.01, RTT: 12 * time.Millisecond, Samples: 40}
}

// stepResult is a StepResult with n audit records tagged with step.
func stepResult(step, n int) mapek.StepResult {
	r := mapek.StepResult{
		Incidents: []mapek.Incident{sampleIncident(uint64(step))},
		Actions:   []mapek.Action{sampleAction(uint64(step))},
	}
	for i := 0; i < n; i++ {
		r.Audit = append(r.Audit, sampleAudit(step, i))
	}
	return r
}
