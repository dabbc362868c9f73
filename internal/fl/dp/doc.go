// Package dp provides client-level differential privacy for federated
// learning: DP-FedAvg with fixed or adaptive clipping, Gaussian noise from a
// cryptographically secure source, and a Rényi-DP accountant for the
// sampled Gaussian mechanism with a per-round privacy budget.
//
// # Mechanism
//
// Each round, the server samples clients (Poisson sampling with rate q is
// what the accountant assumes; sampling is the caller's job), clips each
// client's delta to L2 norm C, sums the clipped deltas, adds Gaussian noise
// of standard deviation z*C per coordinate and divides by the expected
// number of clients (McMahan et al. 2018, "Learning Differentially Private
// Recurrent Language Models"). With adaptive clipping (Andrew et al. 2021,
// "Differentially Private Learning with Adaptive Clipping") C follows a
// target quantile of the update norms, learned from a noised count of
// unclipped updates; the noise is then split between the deltas and the
// count so that the round as a whole is still a Gaussian mechanism with
// noise multiplier z.
//
// # Accounting
//
// [RDP] computes the Rényi differential privacy of the sampled Gaussian
// mechanism (Mironov, Talwar and Zhang 2019, "Rényi Differential Privacy
// of the Sampled Gaussian Mechanism"): integer orders by the binomial
// expansion, fractional orders by the two-series computation, all in log
// space. [Epsilon] converts RDP to (epsilon, delta)-DP with the conversion
// of Balle et al. 2020 ("Hypothesis Testing Interpretations and Renyi
// Differential Privacy", Theorem 21), as Opacus does; with Opacus' default
// orders ([DefaultOrders]) the results match Opacus' RDPAccountant to about
// 1e-11. Unlike Opacus, the fractional series is not cut off before its
// terms have peaked, which only matters for large fractional orders (Opacus
// returns a negative RDP for q = 0.5, sigma = 100, order 63.5). [Budget]
// composes rounds by adding their RDP curves and refuses a round that would
// exceed its epsilon.
//
// # Randomness
//
// Noise comes from an injected io.Reader, crypto/rand.Reader in production;
// [Gaussian] turns its bytes into normal variates with the Box–Muller
// transform on 53-bit uniforms. Like every floating-point sampler it is not
// hardened against attacks on the low-order bits of the noised output
// (Mironov 2012), and its tails are cut at about 8.6 standard deviations
// (the smallest uniform is 2^-53); the accounting assumes exact Gaussian
// noise.
package dp
