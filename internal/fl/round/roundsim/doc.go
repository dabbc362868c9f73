// Package roundsim runs a federation of internal/fl/round coordinators and
// clients in one process on a virtual clock: an in-memory network with
// per-message delay, jitter and loss, clients that straggle or drop out of
// a round, nodes that crash (and are reported dead to the others after a
// detection delay, as MAPE-K would), and Byzantine clients that replace
// their updates (sign flip, Gaussian noise, scaling, ALIE).
//
// Every node runs the same state machine it would run in the mesh; only
// the Transport and the clock are simulated. Local training is a Trainer
// function the simulator calls when a client asks to train; it runs on the
// real CPU and its result arrives after a virtual training time. A run is
// deterministic for a seed: the same report, log and final model (secure
// rounds draw ML-KEM key material from the operating system, which changes
// no outcome).
package roundsim
