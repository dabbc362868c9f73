package chartcheck

import (
	"errors"
	"os"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeOne(t *testing.T, data string) (Object, error) {
	t.Helper()
	docs, err := Split([]byte(data))
	if err != nil {
		t.Fatalf("Split: %v", err)
	}
	if len(docs) != 1 {
		t.Fatalf("got %d documents, want 1", len(docs))
	}
	return NewDecoder().Decode(docs[0])
}

func TestDecodeKinds(t *testing.T) {
	tests := []struct {
		name, data, kind string
	}{
		{"ConfigMap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata: {a.yaml: 'x: 1'}\n", "ConfigMap"},
		{"Service", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: 10.96.0.1, ports: [{name: mesh, port: 7000, protocol: UDP}]}\n", "Service"},
		{"Deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1}\n", "Deployment"},
		{"DaemonSet", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\n", "DaemonSet"},
		{"Job", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n", "Job"},
		{"PodDisruptionBudget", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {maxUnavailable: 1}\n", "PodDisruptionBudget"},
		{"NetworkPolicy", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec: {podSelector: {}}\n", "NetworkPolicy"},
		{"ServiceMonitor", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\nspec:\n  selector: {matchLabels: {a: b}}\n  endpoints: [{port: api, interval: 30s}]\n", "ServiceMonitor"},
		{"JSON is YAML", `{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}`, "Secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := decodeOne(t, tt.data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if o.GVK.Kind != tt.kind || o.Obj == nil || o.Name == "" {
				t.Errorf("got kind %q name %q obj %T, want kind %q", o.GVK.Kind, o.Name, o.Obj, tt.kind)
			}
			if !strings.Contains(o.String(), tt.kind) {
				t.Errorf("String() = %q does not name the kind", o.String())
			}
		})
	}
}

func TestDecodeTyped(t *testing.T) {
	o, err := decodeOne(t, string(mustRead(t, "testdata/good-statefulset.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	sts, ok := o.Obj.(*appsv1.StatefulSet)
	if !ok {
		t.Fatalf("got %T, want *appsv1.StatefulSet", o.Obj)
	}
	c := sts.Spec.Template.Spec.Containers[0]
	if *sts.Spec.Replicas != 3 || c.Name != "node" || c.Resources.Limits.Memory().String() != "512Mi" || o.Namespace != "mesh" {
		t.Errorf("decoded StatefulSet lost data: replicas %d, container %q, memory limit %v, namespace %q",
			*sts.Spec.Replicas, c.Name, c.Resources.Limits.Memory(), o.Namespace)
	}
	if o.Labels != nil || o.Annotations != nil {
		t.Errorf("metadata labels/annotations = %v/%v, want none", o.Labels, o.Annotations)
	}
}

func TestDecodeRejects(t *testing.T) {
	const sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\n"
	tests := []struct {
		name    string
		data    string
		wantErr error
		wantMsg string
	}{
		{"unknown top-level field", sts + "spex: {}\n", ErrStrict, `unknown field "spex"`},
		{"unknown nested field", sts + "spec: {template: {spec: {containers: [{name: node, imagePullPolicyy: Always}]}}}\n", ErrStrict, "imagePullPolicyy"},
		{"unknown field from file", string(mustRead(t, "testdata/reject-unknown-field.yaml")), ErrStrict, "imagePullPolicyy"},
		{"duplicate key", sts + "spec: {replicas: 1}\nspec: {replicas: 2}\n", ErrStrict, "spec"},
		{"wrong case", sts + "spec: {Replicas: 1}\n", ErrStrict, "Replicas"},
		{"wrong type", sts + "spec: {replicas: three}\n", ErrSchema, "replicas"},
		{"YAML 1.1 boolean as a name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\n", ErrSchema, "metadata.name"},
		{"bad quantity", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, resources: {limits: {memory: lots}}}]}\n", ErrSchema, ""},
		{"unknown kind", "apiVersion: v1\nkind: Frobnicator\nmetadata: {name: f}\n", ErrUnknownKind, "Frobnicator"},
		{"unknown group", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", ErrUnknownKind, "example.com/v1"},
		{"ServiceMonitor field not modelled", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\nspec: {selector: {}, endpoints: [{port: a, honorLabels: true}]}\n", ErrStrict, "honorLabels"},
		{"no kind", "apiVersion: v1\nmetadata: {name: x}\n", ErrUnknownKind, "required"},
		{"no apiVersion", "kind: Pod\nmetadata: {name: x}\n", ErrUnknownKind, "required"},
		{"apiVersion not a string", "apiVersion: 1\nkind: Pod\n", ErrSchema, "apiVersion"},
		{"a list has no metadata", "apiVersion: v1\nkind: PodList\nitems: []\n", ErrUnknownKind, "no metadata"},
		{"scalar", "just text\n", ErrSyntax, "scalar"},
		{"sequence", "- a\n- b\n", ErrSyntax, "sequence"},
		{"null", "null\n", ErrSyntax, "empty"},
		{"bad YAML", "a: [1, 2\n", ErrSyntax, ""},
		{"tab indentation", "a:\n\tb: 1\n", ErrSyntax, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeOne(t, tt.data)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Decode error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "document 0") {
				t.Errorf("error %q does not name the document and %q", err, tt.wantMsg)
			}
		})
	}
}

func TestDecodeAll(t *testing.T) {
	docs, err := Split([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Nope\napiVersion: v1\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b}\n"))
	if err != nil {
		t.Fatal(err)
	}
	objs, errs := NewDecoder().DecodeAll(docs)
	if len(objs) != 2 || len(errs) != 1 || !errors.Is(errs[0], ErrUnknownKind) {
		t.Fatalf("got %d objects and errors %v, want 2 objects and one ErrUnknownKind", len(objs), errs)
	}
	if _, ok := objs[1].Obj.(*corev1.ServiceAccount); !ok || objs[1].Doc.Index != 2 {
		t.Errorf("second object is %T from document %d, want a ServiceAccount from document 2", objs[1].Obj, objs[1].Doc.Index)
	}
}

func TestDecodeGoodStream(t *testing.T) {
	docs, err := Split(mustRead(t, "testdata/good-stream.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs, errs := NewDecoder().DecodeAll(docs)
	if len(errs) != 0 {
		t.Fatalf("decode errors: %v", errs)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.GVK.Kind]++
		if o.Doc.Source == "" {
			t.Errorf("%s: no Source", o)
		}
	}
	want := map[string]int{"ConfigMap": 1, "NetworkPolicy": 1, "Pod": 3, "PodDisruptionBudget": 1, "Service": 5,
		"ServiceAccount": 1, "ServiceMonitor": 1, "StatefulSet": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s, want %d (all: %v)", kinds[k], k, n, kinds)
		}
	}
}
