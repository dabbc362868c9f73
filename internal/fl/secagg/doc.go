// Package secagg implements secure aggregation for federated learning
// after Bonawitz et al. 2017 ("Practical Secure Aggregation for
// Privacy-Preserving Machine Learning"), with the sparse neighbour graph of
// SecAgg+ (Bell et al. 2020) as an option. The server learns the sum of the
// clients' vectors and nothing else about any single vector, as long as it
// follows the protocol (honest-but-curious) and fewer than Threshold
// clients collude with it; up to a third of the clients (with the default
// threshold) may drop out after the shares are distributed.
//
// The package is pure round logic: no sockets, no goroutines, no clocks.
// A [Client] and a [Server] exchange message structs that the caller
// carries, encoded with MarshalBinary and decoded with UnmarshalBinary
// (versioned, length-limited, canonical binary formats). All randomness
// comes from an injected io.Reader (crypto/rand.Reader in production).
//
// One round, for clients u with IDs and the server S:
//
//	0 AdvertiseKeys   u -> S  hybrid X25519+ML-KEM-768 public key    (Client.Advertise)
//	                  S -> u  Roster: parameters, graph seed, keys    (Server.Roster)
//	1 KeyCiphertexts  u -> S  KEM ciphertext for each neighbour v > u (Client.HandleRoster)
//	                  S -> v  KeyDelivery                             (Server.KeyDeliveries)
//	2 ShareKeys       u -> S  shares of b_u and r_u for each active
//	                          neighbour, encrypted to it; escrows of
//	                          s_uv under r_u                          (Client.HandleKeyDelivery)
//	                  S -> v  ShareDelivery                           (Server.ShareDeliveries)
//	3 MaskedInput     u -> S  x_u + PRG(b_u) +- sum PRG(s_uv) mod 2^32 (Client.HandleShareDelivery)
//	                  S -> u  UnmaskRequest: alive and dropped peers  (Server.UnmaskRequests)
//	4 UnmaskResponse  u -> S  self-mask shares of the alive, recovery
//	                          shares of the dropped                   (Client.HandleUnmaskRequest)
//	                  S       the sum                                 (Server.Finish)
//
// Round 1 exists because a KEM, unlike Diffie-Hellman, is not symmetric:
// for the pair u < v, u encapsulates to v's key and the ciphertext travels
// to v through the server; both derive the pairwise mask seed
// s_uv = HKDF-SHA256(shared, "x0tta6bl4 secagg pair v1" || round || u || v).
// Dropout recovery therefore cannot rebuild s_uv from a shared private key
// as in the original; instead u escrows each s_uv at the server encrypted
// under a random recovery key r_u, which is Shamir-shared like b_u.
//
// docs/secagg.md has the threat model, what is not defended, message
// sizes and measurements.
package secagg
