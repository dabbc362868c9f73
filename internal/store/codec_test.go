package store

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

func TestDecodeStrict(t *testing.T) {
	good, err := EncodeIncident(sampleIncident(1))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"version", append([]byte{2}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing", append(bytes.Clone(good), ' ', '{', '}')},
		{"unknown field", []byte("\x01{\"ID\":1,\"Kind\":1,\"Decider\":1,\"Bogus\":1}")},
		{"zero id", []byte("\x01{\"Kind\":1,\"Decider\":1}")},
		{"kind", []byte("\x01{\"ID\":1,\"Kind\":77,\"Decider\":1}")},
		{"decider", []byte("\x01{\"ID\":1,\"Kind\":1,\"Decider\":3}")},
		{"rung", []byte("\x01{\"ID\":1,\"Kind\":1,\"Decider\":1,\"Rung\":1000}")},
		{"severity", []byte("\x01{\"ID\":1,\"Kind\":1,\"Decider\":1,\"PeakSeverity\":2}")},
		{"bad id", []byte("\x01{\"ID\":1,\"Kind\":1,\"Decider\":1,\"Subject\":\"zz\"}")},
		{"null", []byte("\x01null")},
		{"too long", append([]byte{1}, bytes.Repeat([]byte(" "), MaxValueSize)...)},
	}
	for _, tt := range tests {
		if _, err := DecodeIncident(tt.b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if v, err := DecodeIncident(good); err != nil || v.ID != 1 || !v.DetectedAt.Equal(t0) {
		t.Errorf("good: %+v %v", v, err)
	}
}

func TestEncodeRefuses(t *testing.T) {
	long := strings.Repeat("x", MaxTextSize+1)
	ev := map[string]float64{}
	for i := 0; i <= MaxEvidence; i++ {
		ev[strings.Repeat("k", i+1)] = 1
	}
	audits := []mapek.AuditRecord{
		{Stage: 0, Event: "x"},
		{Stage: mapek.StagePlan},
		{Stage: mapek.StagePlan, Event: strings.Repeat("e", MaxNameSize+1)},
		{Stage: mapek.StagePlan, Event: "x", Symptom: 99},
		{Stage: mapek.StagePlan, Event: "x", Action: 99},
		{Stage: mapek.StagePlan, Event: "x", Decider: 9},
		{Stage: mapek.StagePlan, Event: "x", Detail: long},
		{Stage: mapek.StagePlan, Event: "x", Evidence: ev},
		{Stage: mapek.StagePlan, Event: "x", Evidence: map[string]float64{"nan": math.NaN()}},
		{Stage: mapek.StagePlan, Event: "x", Evidence: map[string]float64{"": 1}},
	}
	for i, a := range audits {
		if _, err := EncodeAudit(a); !errors.Is(err, ErrInvalid) {
			t.Errorf("audit %d: %v", i, err)
		}
	}
	act := sampleAction(1)
	bad := []func(*mapek.Action){
		func(a *mapek.Action) { a.ID = 0 },
		func(a *mapek.Action) { a.Outcome = 0 },
		func(a *mapek.Action) { a.Rung = -1 },
		func(a *mapek.Action) { a.Err = long },
		func(a *mapek.Action) { a.MetricAfter = math.Inf(1) },
	}
	for i, f := range bad {
		a := act
		f(&a)
		if _, err := EncodeAction(a); !errors.Is(err, ErrInvalid) {
			t.Errorf("action %d: %v", i, err)
		}
	}
	inc := sampleIncident(1)
	inc.Kind = 0
	if _, err := EncodeIncident(inc); !errors.Is(err, ErrInvalid) {
		t.Errorf("incident: %v", err)
	}
	b := sampleBaseline(1)
	b.Loss = math.NaN()
	if _, err := EncodeBaseline(b); !errors.Is(err, ErrInvalid) {
		t.Errorf("baseline: %v", err)
	}
}
