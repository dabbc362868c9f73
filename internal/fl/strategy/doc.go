// Package strategy aggregates federated-learning updates on flat parameter
// vectors.
//
// Every strategy implements [Strategy]. An [Update] carries a client's
// delta: the client's locally trained parameters minus the global model it
// started the round from (w_i - w). Aggregate takes the current global model
// w and the round's deltas and returns the next global model, a new slice:
//
//	w' = w + rule(deltas)
//
// FedAvg, FedProx, FedAdam and FedYogi weight clients by [Update.NumSamples].
// The Byzantine-robust rules (Median, TrimmedMean, Krum, MultiKrum, Bulyan and
// GeometricMedian unless told otherwise) ignore NumSamples, because a
// Byzantine client can claim any sample count. All robust rules here are
// translation equivariant, so applying them to deltas or to full models gives
// the same next model.
//
// Inputs are checked before anything is computed (see [Validate]): a bad
// update yields an error that names the client, such as
//
//	median: client "c7": NaN at index 12
//
// which can be inspected with errors.As(err, *ClientError) so that a server
// can drop that client and aggregate again. Updates are processed in
// ClientID order, so every strategy is exactly invariant under permutation of
// its input and breaks ties (Krum's scores) by ClientID.
//
// Stateless strategies are plain values whose fields are checked on each
// call; FedAdam and FedYogi keep optimiser state and are safe for concurrent
// use.
package strategy
