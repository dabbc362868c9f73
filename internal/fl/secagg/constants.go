package secagg

import (
	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
	"golang.org/x/crypto/chacha20poly1305"
)

// Limits. They bound the memory any message, client or server can be made
// to use.
const (
	// MaxClients is the largest roster a round accepts. With the complete
	// graph the server keeps about MaxClients^2 * 132 bytes of routed
	// shares and escrows (about 138 MiB), which is why it is not larger;
	// use a sparse graph (Params.Neighbours) for big rounds.
	MaxClients = 1024

	// MaxDim is the longest input vector: 2^24 coordinates, 64 MiB of
	// masked words.
	MaxDim = 1 << 24

	// MaxQuantLevel is the largest quantised value of one coordinate, that
	// is 2*Clip*Scale rounded. It keeps a single input inside 32 bits; the
	// sum of n inputs is checked separately (n*level < 2^32).
	MaxQuantLevel = 1<<32 - 1

	// MaxClip bounds Params.Clip, so that Clip*Scale stays a finite float.
	MaxClip = 1e15
)

// Wire format.
const (
	// Version is the version byte that starts every encoded message.
	Version = 1

	// headerSize is version, type and the 8-byte round number.
	headerSize = 1 + 1 + 8
)

// Sizes of the fixed-length values carried by messages, in bytes.
const (
	// SecretSize is the size of a self-mask seed, a recovery key, a
	// pairwise mask seed and a Shamir share: one GF(2^255-19) element.
	SecretSize = 32

	// ShareCiphertextSize is an encrypted pair of shares (self-mask share
	// and recovery-key share) sent from one client to another.
	ShareCiphertextSize = 2*SecretSize + chacha20poly1305.Overhead

	// EscrowSize is one pairwise mask seed encrypted under the owner's
	// recovery key, kept by the server for dropout recovery.
	EscrowSize = SecretSize + chacha20poly1305.Overhead

	// PublicKeySize is a hybrid X25519+ML-KEM-768 public key.
	PublicKeySize = pqc.KEMPublicKeySize

	// CiphertextSize is a hybrid KEM ciphertext.
	CiphertextSize = pqc.KEMCiphertextSize

	// GraphSeedSize is the seed of the SecAgg+ neighbour permutation.
	GraphSeedSize = 32
)

// Domain-separation labels. Every derivation also binds the round number
// and the client IDs involved.
const (
	// labelPair derives the pairwise mask seed s_uv from the KEM secret.
	labelPair = "x0tta6bl4 secagg pair v1"
	// labelShareKey derives the AEAD key c_uv that encrypts shares
	// between u and v.
	labelShareKey = "x0tta6bl4 secagg share-key v1"
	// labelShareAD is the associated data prefix of an encrypted share.
	labelShareAD = "x0tta6bl4 secagg share v1"
	// labelEscrowAD is the associated data prefix of an escrow.
	labelEscrowAD = "x0tta6bl4 secagg escrow v1"
)

// Quantisation and PRG internals.
const (
	// prgChunk is the number of keystream bytes expanded at a time when a
	// mask is added to a vector; it bounds the scratch memory of masking.
	prgChunk = 4096
)
