package meshdetect

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

func TestRuleClassOf(t *testing.T) {
	tests := []struct {
		s    mapek.Symptom
		want Class
	}{
		{mapek.Symptom{Kind: mapek.SymptomMisbehavingRelay, Evidence: map[string]float64{"confirmed_ratio": 0}}, Blackhole},
		{mapek.Symptom{Kind: mapek.SymptomMisbehavingRelay, Evidence: map[string]float64{"confirmed_ratio": 0.4}}, Grayhole},
		{mapek.Symptom{Kind: mapek.SymptomMisbehavingRelay}, Grayhole},
		{mapek.Symptom{Kind: mapek.SymptomFlappingLink}, Flapping},
		{mapek.Symptom{Kind: mapek.SymptomDeadLink}, IdentityChurn},
		{mapek.Symptom{Kind: mapek.SymptomOverload}, Overloaded},
		{mapek.Symptom{Kind: mapek.SymptomHandshakeFlood}, FloodSource},
		{mapek.Symptom{Kind: mapek.SymptomForgedTraffic}, FloodSource},
		{mapek.Symptom{Kind: mapek.SymptomDegradedLink}, Normal},
		{mapek.Symptom{Kind: mapek.SymptomPartition}, Normal},
	}
	for _, tc := range tests {
		if got := RuleClassOf(&tc.s); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.s.Kind, got, tc.want)
		}
	}
	rs := ruleClasses([]mapek.Symptom{
		{Kind: mapek.SymptomOverload, Subject: mapek.LocalNode()},
		{Kind: mapek.SymptomFlappingLink, Subject: nid(1)},
		{Kind: mapek.SymptomDegradedLink, Subject: nid(2)},
	})
	if len(rs.self) != 1 || rs.about(nid(1)) != Flapping || rs.about(nid(2)) != Normal {
		t.Fatalf("ruleClasses %+v", rs)
	}
}

func TestPickAndMeshVerdict(t *testing.T) {
	tests := []struct {
		votes []Class
		want  Class
	}{
		{nil, Normal},
		{[]Class{Flapping}, Flapping},
		{[]Class{Flapping, Grayhole}, Grayhole},
		{[]Class{Flapping, Flapping, Grayhole}, Flapping},
		{[]Class{Overloaded, Blackhole}, Blackhole},
	}
	for _, tc := range tests {
		if got := pick(tc.votes); got != tc.want {
			t.Errorf("pick(%v) = %v, want %v", tc.votes, got, tc.want)
		}
	}
	f := Frame{Nodes: []NodeObs{
		{Up: true, Out: []Entry{{Peer: 1, Rule: Grayhole}, {Peer: 2, Rule: Normal}}},
		{Up: true, Rules: []Class{Overloaded}, Out: []Entry{{Peer: 0, Rule: Normal}}},
		{Up: true, Out: []Entry{{Peer: 1, Rule: Grayhole}}},
	}}
	if got := MeshRuleVerdict(&f, 1); got != Grayhole {
		t.Fatalf("node 1: %v", got)
	}
	if got := MeshRuleVerdict(&f, 0); got != Normal {
		t.Fatalf("node 0: %v", got)
	}
}

func TestClassNames(t *testing.T) {
	for _, c := range Classes() {
		got, err := ParseClass(c.String())
		if err != nil || got != c {
			t.Fatalf("%v: %v %v", c, got, err)
		}
	}
	if _, err := ParseClass("zombie"); !errors.Is(err, ErrInvalidSpec) {
		t.Fatal(err)
	}
	if NumClasses.String() != "Class(7)" {
		t.Fatal(NumClasses.String())
	}
}

func TestMetrics(t *testing.T) {
	truth := []Class{Normal, Normal, Blackhole, Blackhole, Grayhole}
	pred := []Class{Normal, Blackhole, Blackhole, Normal, Grayhole}
	m, err := NewMetrics(truth, pred)
	if err != nil {
		t.Fatal(err)
	}
	if m.N != 5 || m.Accuracy != 0.6 || m.Confusion[Blackhole][Normal] != 1 {
		t.Fatalf("%+v", m)
	}
	want := map[Class][3]float64{Normal: {0.5, 0.5, 0.5}, Blackhole: {0.5, 0.5, 0.5}, Grayhole: {1, 1, 1}, Flapping: {0, 0, 0}}
	for c, w := range want {
		s := m.PerClass[c]
		if s.Precision != w[0] || s.Recall != w[1] || s.F1 != w[2] {
			t.Errorf("%v: %+v, want %v", c, s, w)
		}
	}
	if m.MacroF1 != (0.5+0.5+1)/3 {
		t.Fatalf("macro-F1 %v", m.MacroF1)
	}
	if _, err := NewMetrics(truth, pred[:2]); !errors.Is(err, ErrInvalidSpec) {
		t.Fatal(err)
	}
	if _, err := NewMetrics([]Class{NumClasses}, []Class{Normal}); !errors.Is(err, ErrInvalidSpec) {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTable(&b, m, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| blackhole | 2 | 0.500 |") || !strings.Contains(b.String(), "**0.667**") {
		t.Fatal(b.String())
	}
	empty, _ := NewMetrics(nil, nil)
	if empty.MacroF1 != 0 || empty.Accuracy != 0 {
		t.Fatal("empty metrics")
	}
}
