package fedsage

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
)

// Data is a node-classification dataset: the graph every client holds, the
// labels, and the split whose training labels are shared out.
type Data struct {
	// X holds the node features.
	X *graphsage.Features
	// Edges lists the undirected edges.
	Edges [][2]int
	// Labels holds every node's class, -1 for unlabelled nodes.
	Labels []int
	// Classes is the number of classes.
	Classes int
	// Split is the train/validation/test split; Train is partitioned
	// across clients, Test measures the models, Val is unused.
	Split graphsage.Split
}

// graph returns the graph with only the training labels train (and the
// test split, for evaluation).
func (d *Data) graph(train []int) (*graphsage.Graph, error) {
	return graphsage.NewGraph(d.X, d.Edges, d.Labels, d.Classes, graphsage.Split{Train: train, Test: d.Split.Test})
}

// Partition deals the training nodes to clients: shuffled with seed, then
// round robin, so every client gets floor(n/clients) or ceil(n/clients)
// nodes and the split is IID. Each client needs at least one node.
func Partition(train []int, clients int, seed uint64) ([][]int, error) {
	if clients < 1 || clients > len(train) {
		return nil, fmt.Errorf("%w: %d clients for %d training nodes", ErrExperiment, clients, len(train))
	}
	order := slices.Clone(train)
	rng := rand.New(rand.NewPCG(seed, streamPartition))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	parts := make([][]int, clients)
	for i, v := range order {
		parts[i%clients] = append(parts[i%clients], v)
	}
	for _, p := range parts {
		slices.Sort(p)
	}
	return parts, nil
}
