package chartcheck

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestParsePromDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"0", 0, false},
		{"30s", 30 * time.Second, false},
		{"1m30s", 90 * time.Second, false},
		{"1h20m15s", time.Hour + 20*time.Minute + 15*time.Second, false},
		{"15d", 15 * 24 * time.Hour, false},
		{"1y2w", (365 + 14) * 24 * time.Hour, false},
		{"500ms", 500 * time.Millisecond, false},
		{"1s500ms", 1500 * time.Millisecond, false},
		{"", 0, true},
		{"1.5s", 0, true},
		{"30", 0, true},
		{"s", 0, true},
		{"30s1m", 0, true}, // largest unit first
		{"-1s", 0, true},
		{"1 s", 0, true},
		{"99999999999999999999s", 0, true},
		{"200y", 0, true},
		{"100y100w100d", (36500 + 700 + 100) * 24 * time.Hour, false},
		{"146y7620w50000d", 0, true}, // each unit in range, the sum overflows
	}
	for _, tt := range tests {
		got, err := ParsePromDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParsePromDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestServiceMonitorDeepCopy(t *testing.T) {
	var nilSM *ServiceMonitor
	if nilSM.DeepCopyObject() != nil {
		t.Error("DeepCopyObject of nil is not nil")
	}
	orig := &ServiceMonitor{
		ObjectMeta: metav1.ObjectMeta{Name: "m", Labels: map[string]string{"a": "b"}},
		Spec: ServiceMonitorSpec{
			JobLabel:          "job",
			Selector:          metav1.LabelSelector{MatchLabels: map[string]string{"x": "y"}},
			NamespaceSelector: NamespaceSelector{Any: true, MatchNames: []string{"ns"}},
			Endpoints: []Endpoint{
				{Port: "api", Authorization: &SafeAuthorization{Type: "Bearer", Credentials: &corev1.SecretKeySelector{Key: "token"}}},
				{Port: "b", Authorization: &SafeAuthorization{}},
				{Port: "c"},
			},
		},
	}
	cp := orig.DeepCopyObject().(*ServiceMonitor)
	if !reflect.DeepEqual(cp, orig) {
		t.Fatalf("copy differs:\n%+v\n%+v", cp, orig)
	}
	cp.Labels["a"] = "changed"
	cp.Spec.Selector.MatchLabels["x"] = "changed"
	cp.Spec.NamespaceSelector.MatchNames[0] = "changed"
	cp.Spec.Endpoints[0].Port = "changed"
	cp.Spec.Endpoints[0].Authorization.Credentials.Key = "changed"
	cp.Spec.Endpoints[1].Authorization.Type = "changed"
	if orig.Labels["a"] != "b" || orig.Spec.Selector.MatchLabels["x"] != "y" || orig.Spec.NamespaceSelector.MatchNames[0] != "ns" ||
		orig.Spec.Endpoints[0].Port != "api" || orig.Spec.Endpoints[0].Authorization.Credentials.Key != "token" ||
		orig.Spec.Endpoints[1].Authorization.Type != "" {
		t.Errorf("changing the copy changed the original: %+v", orig)
	}
	empty := (&ServiceMonitor{}).DeepCopyObject().(*ServiceMonitor)
	if empty.Spec.Endpoints != nil || empty.Spec.NamespaceSelector.MatchNames != nil {
		t.Errorf("copy of an empty ServiceMonitor = %+v", empty)
	}
}
