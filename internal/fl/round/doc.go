// Package round runs federated-learning rounds: a Coordinator and a Client
// state machine, their messages and a binary codec for them.
//
// Both cores are pure: no goroutines, no sockets, no clock. A runtime
// feeds them inputs — Handle(now, from, msg) for a message, Tick(now) for
// timers, PeerDown(now, id) when MAPE-K declares a node dead, and, at a
// client, Trained(now, result) with the outcome of local training — and
// carries out their outputs: Send a message, Train a model, or an event
// such as RoundStarted, RoundClosed, ModelReady or ClientExcluded. Endpoint
// glues a core to a Transport (encode, send, decode); package roundsim runs
// a whole federation on virtual time.
//
// # A round
//
//  1. The active coordinator selects clients: each eligible client (not
//     excluded, privacy budget left) with probability SampleRate, topped
//     up to MinClients, drawn from a seed, the epoch and the round so that
//     every coordinator would draw the same. It sends each a RoundStart
//     with the global model, the deadline, the number of local epochs and
//     the DP and secure-aggregation settings.
//  2. A client accepts a RoundStart only from the coordinator of the
//     message's epoch, for an epoch at least its own and a round newer than
//     any it accepted; it asks its runtime to Train, and sends back an
//     Update with its delta (trained minus global parameters) and sample
//     count — or, in a secure round, runs the secagg client protocol and
//     masks the delta.
//  3. The coordinator closes the round when every selected client answered
//     or at the deadline. Later updates are refused as late (a Refusal
//     with ReasonLate). With at least MinClients updates it aggregates the
//     deltas with the configured strategy (internal/fl/strategy), or with
//     DP-FedAvg (internal/fl/dp), and emits ModelReady with the new
//     GlobalModel; with fewer it emits RoundAborted and starts a new round
//     with a new selection.
//
// A client that sends an invalid update, misses MaxMisses rounds in a row
// or spends its privacy budget is excluded (ClientExcluded).
//
// # Failover
//
// Config.Coordinators is an ordered succession list; epoch e is led by
// Coordinators[e mod len]. After every round the active coordinator sends a
// Checkpoint (model, round counter, exclusions, privacy accounting) to the
// others. When the runtime reports the active coordinator dead, every node
// moves to the next live coordinator, which resumes from its last
// checkpoint in the new epoch; clients then refuse RoundStart from the old
// epoch, and the old coordinator steps down when a checkpoint of the new
// epoch reaches it.
//
// # Privacy
//
// With Config.DP, rounds are DP-FedAvg with fixed clipping: the
// coordinator clips each delta to ClipNorm, adds Gaussian noise of
// standard deviation NoiseMultiplier*ClipNorm to the sum and divides by
// the expected number of clients. GlobalModel.Epsilon is the accountant's
// epsilon for the sampled Gaussian mechanism with rate SampleRate over
// every private round so far, which assumes Poisson sampling (the top-up
// to MinClients is not accounted for). Each client also keeps its own
// budget, charged without sampling amplification for every round it
// contributes to, and declines rounds once it is spent; the coordinator
// stops selecting it at the same point.
//
// With Config.SecAgg, the deltas go through secure aggregation
// (internal/fl/secagg): the coordinator learns only their sum, so the
// strategy must be fedavg (an unweighted mean of the coordinate-clipped
// deltas) and, with DP, clients clip their own deltas before masking.
package round
