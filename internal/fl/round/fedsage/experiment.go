package fedsage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/anomaly/graphsage"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/round/roundsim"
)

// Experiment describes one federated training run.
type Experiment struct {
	// Clients, Rounds and LocalEpochs size the federation.
	Clients, Rounds, LocalEpochs int
	// SampleRate is the fraction q of clients selected per round.
	SampleRate float64
	// MinClients is the least number of updates per round; zero means
	// the larger of the strategy's minimum and half the clients.
	MinClients int
	// MaxMisses is how many rounds in a row a client may miss before it
	// is excluded; zero means round.DefaultMaxMisses.
	MaxMisses int
	// Strategy is the aggregation rule.
	Strategy round.StrategySpec
	// Byzantine clients (chosen at random with the seed) run Attack.
	Byzantine int
	// Attack is what the Byzantine clients do.
	Attack roundsim.Attack
	// DP turns on DP-FedAvg.
	DP *round.DPConfig
	// SecAgg turns on secure aggregation.
	SecAgg *round.SecAggConfig
	// Dropout and Stragglers are the per-round probabilities that a client
	// drops out or trains ten times slower.
	Dropout, Stragglers float64
	// Coordinators is the length of the succession list.
	Coordinators int
	// CrashAt, if not zero, crashes the first coordinator at that virtual
	// time.
	CrashAt time.Duration
	// RoundTimeout is the virtual deadline of a round.
	RoundTimeout time.Duration
	// Seed drives the partition, the initial model, the Byzantine choice,
	// selection, faults and every training run.
	Seed uint64
	// Model configures GraphSAGE and the local optimiser; its Epochs and
	// Patience are unused (LocalEpochs counts local epochs).
	Model graphsage.Config
	// Centralised also trains the baseline: one model on every training
	// label for Rounds*LocalEpochs epochs from the same initial model.
	Centralised bool
}

// DefaultExperiment returns FedAvg over DefaultClients clients for
// DefaultRounds rounds of DefaultLocalEpochs epochs, with the GraphSAGE
// defaults except dropout and weight decay (see constants.go), and the
// centralised baseline.
func DefaultExperiment() Experiment {
	m := graphsage.DefaultConfig()
	m.Dropout, m.WeightDecay = DefaultDropout, DefaultWeightDecay
	return Experiment{Clients: DefaultClients, Rounds: DefaultRounds, LocalEpochs: DefaultLocalEpochs, SampleRate: 1,
		Strategy: round.StrategySpec{Name: round.StrategyFedAvg}, Coordinators: 1, RoundTimeout: DefaultRoundTimeout,
		Seed: 1, Model: m, Centralised: true}
}

// Baseline is the centralised model's result.
type Baseline struct {
	// TestAccuracy is the centralised model's accuracy on the test split.
	TestAccuracy float64
	// Epochs is the number of epochs it trained: rounds times local
	// epochs.
	Epochs int
	// Wall is the wall time of its training.
	Wall time.Duration
}

// Result is the outcome of an experiment.
type Result struct {
	// Params is the number of model parameters.
	Params int
	// TestAccuracy is the final global model's accuracy on the test split.
	TestAccuracy float64
	// Centralised is the baseline, nil unless asked for.
	Centralised *Baseline
	// Byzantine lists the indices of the Byzantine clients.
	Byzantine []int
	// Report is the simulation's report.
	Report *roundsim.Report
	// Wall is the wall time of the federated run.
	Wall time.Duration
}

// nodeID returns the ID of the i-th node of a kind.
func nodeID(kind byte, i int) round.NodeID {
	var id round.NodeID
	id[0], id[1], id[2] = kind, byte(i>>8), byte(i)
	return id
}

// check validates the experiment against the data.
func (e *Experiment) check(d *Data) error {
	switch {
	case d == nil || d.X == nil || len(d.Split.Train) == 0 || len(d.Split.Test) == 0:
		return fmt.Errorf("%w: data needs features, training and test nodes", ErrExperiment)
	case e.Clients < 1 || e.Clients > MaxClients:
		return fmt.Errorf("%w: %d clients not in [1, %d]", ErrExperiment, e.Clients, MaxClients)
	case e.Rounds < 1 || e.Rounds > MaxRounds:
		return fmt.Errorf("%w: %d rounds not in [1, %d]", ErrExperiment, e.Rounds, MaxRounds)
	case e.Byzantine < 0 || e.Byzantine > e.Clients:
		return fmt.Errorf("%w: %d Byzantine of %d clients", ErrExperiment, e.Byzantine, e.Clients)
	case e.Coordinators < 1 || e.Coordinators > round.MaxCoordinators:
		return fmt.Errorf("%w: %d coordinators not in [1, %d]", ErrExperiment, e.Coordinators, round.MaxCoordinators)
	case e.CrashAt < 0 || (e.CrashAt > 0 && e.Coordinators < 2):
		return fmt.Errorf("%w: a coordinator crash needs at least 2 coordinators", ErrExperiment)
	}
	return nil
}

// Run runs the experiment: the federation on the virtual network and, if
// asked, the centralised baseline. now measures wall time.
func Run(ctx context.Context, d *Data, e Experiment, now func() time.Time) (*Result, error) {
	if err := e.check(d); err != nil {
		return nil, err
	}
	parts, err := Partition(d.Split.Train, e.Clients, e.Seed)
	if err != nil {
		return nil, err
	}
	full, err := d.graph(d.Split.Train)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrExperiment, err)
	}
	m, err := graphsage.New(e.Model.Architecture(d.X.Cols(), d.Classes), rand.New(rand.NewPCG(e.Seed, streamInit)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrExperiment, err)
	}
	res := &Result{Params: m.NumParams()}
	initial := m.Params()

	coords, clients, byz, err := e.federation(d, parts, initial, m)
	if err != nil {
		return nil, err
	}
	res.Byzantine = byz
	opt := roundsim.Options{Seed: e.Seed, Attack: e.Attack, DropoutRate: e.Dropout, StragglerRate: e.Stragglers}
	if e.CrashAt > 0 {
		opt.Crashes = []roundsim.Crash{{Node: nodeID(0xc0, 0), At: e.CrashAt}}
	}
	start := now()
	rep, err := roundsim.Run(ctx, coords, clients, opt)
	if err != nil {
		return nil, err
	}
	res.Wall, res.Report = now().Sub(start), rep
	final := rep.Final.Params
	if rep.Completed == 0 {
		final = initial // every round aborted: the initial model stands
	}
	if res.TestAccuracy, err = accuracy(m, full, final); err != nil {
		return nil, err
	}
	if e.Centralised {
		start := now()
		epochs := e.Rounds * e.LocalEpochs
		train := localTrainer(m, full, e.Model)
		trained, err := train(ctx, initial, epochs, rand.New(rand.NewPCG(e.Seed, streamCentralised)))
		if err != nil {
			return nil, err
		}
		acc, err := accuracy(m, full, trained)
		if err != nil {
			return nil, err
		}
		res.Centralised = &Baseline{TestAccuracy: acc, Epochs: epochs, Wall: now().Sub(start)}
	}
	return res, nil
}

// accuracy returns the test accuracy of params.
func accuracy(m *graphsage.Model, g *graphsage.Graph, params []float64) (float64, error) {
	if err := m.SetParams(params); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrExperiment, err)
	}
	return m.Accuracy(g, g.Split().Test)
}

// federation builds the coordinators' configs and the clients.
func (e *Experiment) federation(d *Data, parts [][]int, initial []float64, m *graphsage.Model) ([]round.Config, []roundsim.ClientSpec, []int, error) {
	var coordIDs, clientIDs []round.NodeID
	for i := range e.Coordinators {
		coordIDs = append(coordIDs, nodeID(0xc0, i))
	}
	for i := range e.Clients {
		clientIDs = append(clientIDs, nodeID(0x01, i))
	}
	minClients := e.MinClients
	if minClients == 0 {
		minClients = max(e.Strategy.MinUpdates(), (e.Clients+1)/2)
	}
	cfg := round.Config{Coordinators: coordIDs, Clients: clientIDs, Initial: initial, Rounds: e.Rounds,
		SampleRate: e.SampleRate, MinClients: minClients, RoundTimeout: e.RoundTimeout, LocalEpochs: e.LocalEpochs,
		Strategy: e.Strategy, DP: e.DP, SecAgg: e.SecAgg, MaxMisses: e.MaxMisses, Seed: e.Seed,
		Random: rand.NewChaCha8(seedKey(e.Seed, streamRandom, 0))}
	var coords []round.Config
	for _, id := range coordIDs {
		c := cfg
		c.Self = id
		coords = append(coords, c)
	}
	byzRNG := rand.New(rand.NewPCG(e.Seed, streamByzantine))
	byz := slices.Sorted(slices.Values(byzRNG.Perm(e.Clients)[:e.Byzantine]))
	var clients []roundsim.ClientSpec
	for i, part := range parts {
		g, err := d.graph(part)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: client %d: %w", ErrExperiment, i, err)
		}
		cc := round.ClientConfig{Self: clientIDs[i], Coordinators: coordIDs, NumSamples: len(part),
			Random: rand.NewChaCha8(seedKey(e.Seed, streamRandom, uint64(i)+1))}
		if e.DP != nil && e.DP.ClientEpsilon > 0 {
			cc.Epsilon, cc.Delta = e.DP.ClientEpsilon, e.DP.Delta
		}
		_, isByz := slices.BinarySearch(byz, i)
		clients = append(clients, roundsim.ClientSpec{Config: cc, Train: localTrainer(m, g, e.Model), Byzantine: isByz})
	}
	return coords, clients, byz, nil
}

// localTrainer trains the global parameters on one client's labels. The
// simulator calls trainers one at a time, so the clients share one model.
func localTrainer(m *graphsage.Model, g *graphsage.Graph, cfg graphsage.Config) roundsim.Trainer {
	return func(ctx context.Context, params []float64, epochs int, rng *rand.Rand) ([]float64, error) {
		if err := m.SetParams(params); err != nil {
			return nil, err
		}
		if _, err := m.TrainEpochs(ctx, g, cfg, epochs, rng); err != nil {
			return nil, err
		}
		return m.Params(), nil
	}
}

// seedKey derives a ChaCha8 key for a stream and index from the seed.
func seedKey(seed, stream, i uint64) [32]byte {
	var k [32]byte
	for j, w := range []uint64{seed, stream, i, 0x666564736167} {
		for b := range 8 {
			k[8*j+b] = byte(w >> (8 * b))
		}
	}
	return k
}
