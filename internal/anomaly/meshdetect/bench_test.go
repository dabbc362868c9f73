package meshdetect

import (
	"testing"
)

// BenchmarkClassifyNode is what a Scorer costs per node and snapshot: one local graph and one
// Predict.
func BenchmarkClassifyNode(b *testing.B) {
	f := getFixture(b)
	var obs []*NodeObs
	for fi := range f.test {
		for i := range f.test[fi].Nodes {
			if f.test[fi].Nodes[i].Up {
				obs = append(obs, &f.test[fi].Nodes[i])
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := f.d.classifyLocal(obs[i%len(obs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredict1000 classifies every node of a 1000-node mesh-wide graph.
func BenchmarkPredict1000(b *testing.B) {
	f := getFixture(b)
	d, err := Load(bytesReader(f.file))
	if err != nil {
		b.Fatal(err)
	}
	x, edges, err := MeshGraph(f.test, 1000)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Predict(x, edges); err != nil {
			b.Fatal(err)
		}
	}
}
