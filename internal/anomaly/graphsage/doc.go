// Package graphsage implements GraphSAGE (Hamilton, Ying and Leskovec, "Inductive Representation
// Learning on Large Graphs", 2017) for node classification and anomaly scoring, in float64 with a
// hand-written backward pass.
//
// A model stacks K layers. Each layer combines a node's previous representation with an aggregate
// of its neighbours' — mean (GraphSAGE-mean), symmetric-normalised sum with self-loops (GCN) or
// per-coordinate max of a ReLU layer (GraphSAGE-pool) — and applies ReLU and, optionally, L2
// normalisation; the last layer outputs class logits (softmax cross-entropy) or one logit (sigmoid
// binary cross-entropy, HeadBinary). Training uses Adam with L2 weight decay, dropout on every
// layer's input, and early stopping on the validation split. It runs either full-batch (every
// training node with its complete neighbourhood) or on minibatches with neighbours sampled
// without replacement per layer (fan-outs 25 and 10 by default, as in the paper).
//
// Sparse work — neighbour aggregation and the first layer on sparse features such as Cora's
// bag-of-words — runs on the package's own compressed-sparse-row loops; dense matrix products go
// to gonum's BLAS. Everything random (initial weights, minibatch order, neighbour samples, dropout
// masks) comes from the *rand.Rand passed to Train or New, so a run is reproducible for a seed.
//
// A model's parameters flatten to one vector (Params, SetParams, NumParams) with a layout fixed by
// its Architecture, which is what federated averaging needs. Save and Load use a versioned binary
// file with a SHA-256 trailer; Load rejects malformed, mismatched, oversized or non-finite input
// with wrapped sentinel errors.
package graphsage
