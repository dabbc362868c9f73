// Package fedsage trains GraphSAGE (internal/anomaly/graphsage) by
// federated learning: it splits a node-classification dataset's training
// labels across simulated clients, runs the federation with
// internal/fl/round on the virtual network of internal/fl/round/roundsim,
// and compares the final global model with a centralised model trained on
// every label for the same number of epochs from the same start.
//
// # Partition
//
// Every client holds the whole graph — all node features and edges, as in
// a mesh where the topology is public — but only its share of the training
// labels: the training nodes are shuffled with the seed and dealt round
// robin, so with Cora's 140 training labels and 20 clients each client
// holds 7 (an IID split). A client's local training is full-batch
// GraphSAGE on its own labelled nodes, restarted from the global model
// with a fresh Adam state every round.
package fedsage
