// Package handshake implements x0tta6bl4's hybrid post-quantum authenticated key exchange as a
// pure state machine.
//
// The handshake is a KEM-authenticated, Noise-IK-like exchange in the spirit of WireGuard,
// PQNoise (pqIK) and Rosenpass: one round trip when the initiator knows the responder's
// certificate, every secret derived from both X25519 and ML-KEM-768, so that the keys stay
// secret as long as either primitive holds. docs/protocol.md specifies the messages, the key
// schedule and the security argument.
//
// A Machine handles all handshakes of one node. It opens no sockets, starts no goroutines and
// reads no clock: the runtime passes every datagram with its source address and the current time
// to Receive, calls Tick at least at NextDeadline, and sends the datagrams they return. A
// completed handshake yields an Established with the session keys. Randomness comes from the
// io.Reader in Config; crypto/mlkem draws its own from the operating system.
//
// A Machine is not safe for concurrent use: the runtime must serialise all calls.
//
// Every table a remote party can grow is bounded (see constants.go and Stats), and every datagram
// a Machine drops is reported with an error wrapping one of the exported sentinel errors.
package handshake
