// Package censor implements published rules by which real censors classify traffic, so that the
// mesh's transports can be tested against them, and byte statistics for judging how random a
// transport's wire bytes look.
//
// FullyEncrypted is the Great Firewall of China's passive detector of fully encrypted traffic as
// inferred by Wu et al., "How the Great Firewall of China Detects and Blocks Fully Encrypted
// Traffic", USENIX Security 2023 (Algorithm 1): the first payload a client sends on a connection
// is exempt if any of five rules applies, and flagged otherwise. Censor adds the paper's
// probabilistic blocking of flagged connections as a parameter.
//
// ByteCounts, Offsets and Lengths gather the statistics a passive observer can compute over many
// datagrams: the distribution of byte values (Pearson's chi-square against the uniform
// distribution, Shannon entropy), the same per offset (a byte value fixed at some offset is a
// protocol fingerprint) and the distribution of lengths.
//
// The package holds no state of its own; every value is safe to copy and none is safe for
// concurrent mutation.
package censor
