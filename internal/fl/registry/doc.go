// Package registry keeps the global models of federated learning as signed,
// versioned, content-addressed records, and the node's store of them.
//
// # Records
//
// A Record is one global model version: an opaque payload (a model file,
// such as a meshdetect detector) with its kind, the round that produced it,
// the strategy, the differential-privacy budget spent (ε this round and in
// total, and δ), the participants, the creation time, the ID of the parent
// version and the coordinator's node certificate. The coordinator signs the
// canonical encoding of all of that (the body, which binds the payload by
// its SHA-256) with its hybrid Ed25519 + ML-DSA-65 key under the context
// "x0tta6bl4 global model v1". The ID of a version is the SHA-256 of its
// body, so a version can be fetched by ID and checked against it, and a
// body signed twice is still one version.
//
// The encoding, in order (integers big-endian):
//
//	magic "X0MODEL\x00" | version u8 (1) | kind (u8 length, bytes) | payload size u32 |
//	payload SHA-256 [32] | parent ID [32] | round u64 | strategy (u8 length, bytes) |
//	ε round, ε total, δ (IEEE 754 binary64 bits, u64 each) | created u64 (Unix ns) |
//	participants (u16 count, node IDs [32] each, strictly ascending) | coordinator [32] |
//	coordinator certificate (u16 length, bytes)           <- the body; ID = SHA-256(body)
//	signature [pqc.SignatureSize]                         <- over the body
//	payload [payload size]                                <- SHA-256 must match the body
//
// ParseRecord is strict: a wrong magic or version, an oversize field,
// unsorted participants, a coordinator that is not the certificate's
// subject, a payload of another size or trailing bytes are errors wrapping
// ErrMalformed, and an accepted record re-encodes to the same bytes.
//
// # Verification
//
// Verifier.Verify accepts a record when its payload matches the hash in
// the body, the coordinator's certificate is a node certificate issued by
// the network CA, valid at the time of the check and not on the revocation
// list of the identity.Verifier, and the signature verifies under that
// certificate's key (both halves). Node certificates carry no roles: any
// node of the network may coordinate, unless Verifier.CoordinatorGroup
// names a group the coordinator's certificate must list.
//
// # Store
//
// A Store is a bbolt file holding the verified versions by ID, an index by
// round, the current version, the highest round ever accepted and a
// history of every change of the current version. Accept takes a version
// only if it verifies, is not stored yet (ErrDuplicate, harmless), has a
// round above every round ever accepted (ErrStale), and names the current
// version as its parent (ErrFork) — except the first version a store
// accepts, whose parent may be anything. Nodes only move forward.
//
// Rollback is an operator action: it makes an earlier stored version
// current again and records when and why. It does not lower the highest
// round seen, so the next version accepted must still have a higher round
// than any accepted before, and must name the rolled-back-to version as
// its parent: the coordinator has to build on it.
//
// The store keeps the last Options.Retain versions by round and never
// deletes the current one. Every change is one bbolt transaction, so a
// crash leaves the store as it was after the last committed change.
package registry
