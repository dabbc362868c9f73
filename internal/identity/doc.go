// Package identity holds what a x0tta6bl4 node is and whom it trusts: node
// IDs, hybrid key pairs and their files, the network certificate authority,
// the certificates it issues, its revocation lists, and the Verifier that
// decides whether a peer's certificate is acceptable.
//
// A network is its CA. The CA signs node certificates and revocation lists
// with a hybrid Ed25519 + ML-DSA-65 key (see package pqc); a signature is
// accepted only when both halves verify. A NodeID is the SHA-256 of a node's
// hybrid verifying key, so an ID cannot be claimed without the key.
//
// All binary encodings are versioned, length-limited and canonical (a parsed
// object re-encodes to the same bytes); parsers reject unknown versions,
// oversize fields and trailing bytes, and return errors that wrap
// ErrMalformed. Files are PEM wrapping those encodings and are written
// atomically (temporary file, fsync, rename). Private key files must not be
// readable by group or others.
package identity
