package chartcheck

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzSplitDecode feeds arbitrary bytes to Split, Decode and Policy.Check, the path every rendered
// manifest takes. Properties: nothing panics; Split fails only with ErrTooLarge; documents are
// numbered in order, hold content and no separator line, and survive Join and Split unchanged;
// every Decode error wraps one of the package's sentinel errors and a decoded object has a kind;
// every policy finding wraps ErrPolicy.
func FuzzSplitDecode(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n"))
	f.Add([]byte("---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n--- {a: 1}\n...\n"))
	f.Add([]byte("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec: {replicas: 1, replicas: 2}\n"))
	f.Add([]byte("apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: m}\nspec: {selector: {matchLabels: {a: b}}, endpoints: [{port: api, interval: 1y2w}]}\n"))
	f.Add([]byte("--- --- ...\r\n- a\n---\tb\n"))
	dec := NewDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := Split(data)
		if err != nil {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Split error %v is not ErrTooLarge", err)
			}
			return
		}
		for i, d := range docs {
			if d.Index != i || d.Line < 1 || len(d.Data) == 0 || d.Data[len(d.Data)-1] != '\n' {
				t.Fatalf("document %d malformed: %+v", i, d)
			}
			for _, l := range strings.Split(strings.TrimSuffix(string(d.Data), "\n"), "\n") {
				if l == "---" || l == "..." || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t") || strings.HasSuffix(l, "\r") {
					t.Fatalf("document %d holds separator or CR line %q", i, l)
				}
			}
		}
		again, err := Split(Join(docs))
		if err != nil || len(again) != len(docs) {
			t.Fatalf("Split(Join(docs)) = %d documents, %v; want %d", len(again), err, len(docs))
		}
		for i := range docs {
			if !bytes.Equal(again[i].Data, docs[i].Data) || again[i].Source != docs[i].Source {
				t.Fatalf("document %d changed in the round trip: %q -> %q", i, docs[i].Data, again[i].Data)
			}
		}
		objs, errs := dec.DecodeAll(docs)
		for _, err := range errs {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrUnknownKind) && !errors.Is(err, ErrStrict) && !errors.Is(err, ErrSchema) {
				t.Fatalf("Decode error %v wraps no sentinel", err)
			}
		}
		if len(objs)+len(errs) != len(docs) {
			t.Fatalf("%d objects and %d errors for %d documents", len(objs), len(errs), len(docs))
		}
		for _, o := range objs {
			if o.GVK.Kind == "" || o.Obj == nil {
				t.Fatalf("decoded object without kind: %+v", o)
			}
		}
		if err := (Policy{}).Check(objs); err != nil {
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				if !errors.Is(e, ErrPolicy) {
					t.Fatalf("finding %v does not wrap ErrPolicy", e)
				}
			}
		}
	})
}
