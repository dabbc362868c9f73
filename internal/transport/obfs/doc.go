// Package obfs wraps any transport.Conn so that every byte it puts on the wire is
// indistinguishable from random to an observer who lacks the network's obfuscation key, and so
// that a host probing the listener learns nothing: a datagram that does not authenticate is
// dropped without an answer.
//
// Each datagram is a fresh random 24-byte nonce followed by the XChaCha20-Poly1305 encryption,
// under a key derived from the obfuscation key with HKDF-SHA256, of a 27-byte header (kind,
// payload length, sender ID, counter, timestamp), the payload and random padding. Nothing is sent
// in the clear: there is no type byte, no length field and no fixed value at any offset. A
// receiver authenticates the whole datagram before it looks at anything, then refuses
// timestamps outside MaxClockSkew of its clock and counters already seen from the same sender
// (a sliding window per sender ID, bounded), so a captured datagram replayed later is dropped
// too. Drops are silent and counted in Stats.
//
// Optional shaping: random padding up to a size limit, junk datagrams before the first datagram
// of a flow (as AmneziaWG does before a handshake), timing jitter, and Shape, which draws the
// first six bytes of every nonce from printable ASCII so that every datagram passes the Great
// Firewall's fully-encrypted-traffic rule through its exemption Ex2 at a cost of no bytes (see
// package censor and docs/censorship.md).
//
// The obfuscation key is shared by the whole network: any member can recognise, decrypt and
// forge obfuscated datagrams of every other member. The layer hides the mesh from outsiders; it
// adds no secrecy or authentication between members, which the handshake and sessions inside it
// provide.
package obfs
