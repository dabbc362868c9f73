// Package validate measures what a censor sees of the mesh's traffic with and without the obfs
// layer, on real handshakes over real loopback UDP sockets.
//
// Run performs complete hybrid post-quantum handshakes (package handshake, with certificates of a
// throw-away CA) and a few transport data frames after each, one new initiator socket per
// handshake so that each is a flow of its own, in several modes: plain (the mesh's own packets),
// obfs without shaping, obfs with padding and junk, and obfs with Shape. It records every
// datagram on the wire and reports, per mode, how the Great Firewall's fully-encrypted-traffic
// rule classifies the first datagram of each flow (package censor), the chi-square and
// per-offset entropy of those datagrams' bytes, the offsets dominated by one byte value, and the
// distribution of datagram lengths.
//
// Probe plays an active prober against a handshake responder behind obfs: random datagrams,
// replays of captured datagrams, truncated and bit-flipped datagrams and datagrams under another
// key, and reports every answer (there must be none), against a control of valid requests (each
// answered) and a plain responder that does answer replays.
//
// Both are meant for the validation report in docs/censorship.md and for a command such as
// `x0tta6bl4 bench obfs`; the package's tests run them small, and large behind a flag.
package validate
