package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// NodeID names a node: the SHA-256 of the label "x0tta6bl4 node id v1"
// followed by the node's hybrid verifying key.
type NodeID [NodeIDSize]byte

// DeriveNodeID returns the NodeID of the verifying key k.
func DeriveNodeID(k *pqc.VerifyingKey) NodeID {
	h := sha256.New()
	h.Write([]byte(nodeIDLabel))
	h.Write(k.Bytes())
	var id NodeID
	h.Sum(id[:0])
	return id
}

// ParseNodeID decodes the 64 hexadecimal characters of a NodeID, as
// written by String. Upper-case digits are accepted.
func ParseNodeID(s string) (NodeID, error) {
	var id NodeID
	if len(s) != 2*NodeIDSize {
		return NodeID{}, fmt.Errorf("%w: node ID is %d characters, want %d hexadecimal digits", ErrMalformed, len(s), 2*NodeIDSize)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return NodeID{}, fmt.Errorf("%w: node ID %q: %w", ErrMalformed, s, err)
	}
	return id, nil
}

// String returns the ID as 64 lower-case hexadecimal characters.
func (id NodeID) String() string { return hex.EncodeToString(id[:]) }

// Short returns the first 16 hexadecimal characters of the ID, for logs.
func (id NodeID) Short() string { return hex.EncodeToString(id[:8]) }

// IsZero reports whether id is the zero ID, which names no node.
func (id NodeID) IsZero() bool { return id == NodeID{} }

// MarshalText implements encoding.TextMarshaler with the String form.
func (id NodeID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseNodeID.
func (id *NodeID) UnmarshalText(text []byte) error {
	v, err := ParseNodeID(string(text))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// PrivateIdentity is a node's (or the CA's) private keys: a hybrid signing
// key, whose public half determines the NodeID, and a hybrid KEM key used
// by the handshake.
type PrivateIdentity struct {
	// Signing is the hybrid Ed25519 + ML-DSA-65 signing key.
	Signing *pqc.SigningKey
	// KEM is the hybrid X25519 + ML-KEM-768 key.
	KEM *pqc.KEMKey
}

// PublicIdentity is the public half of a PrivateIdentity: what a node hands
// to the CA to be certified.
type PublicIdentity struct {
	// Signing is the hybrid verifying key.
	Signing *pqc.VerifyingKey
	// KEM is the hybrid KEM public key.
	KEM *pqc.KEMPublicKey
}

// GenerateIdentity returns fresh keys whose seeds are read from rand (use
// crypto/rand.Reader).
func GenerateIdentity(rand io.Reader) (*PrivateIdentity, error) {
	sk, err := pqc.GenerateSigningKey(rand)
	if err != nil {
		return nil, fmt.Errorf("identity: generating signing key: %w", err)
	}
	kk, err := pqc.GenerateKEMKey(rand)
	if err != nil {
		return nil, fmt.Errorf("identity: generating KEM key: %w", err)
	}
	return &PrivateIdentity{Signing: sk, KEM: kk}, nil
}

// ID returns the NodeID of the identity.
func (p *PrivateIdentity) ID() NodeID { return DeriveNodeID(p.Signing.Public()) }

// PublicIdentity returns the public keys of the identity.
func (p *PrivateIdentity) PublicIdentity() *PublicIdentity {
	return &PublicIdentity{Signing: p.Signing.Public(), KEM: p.KEM.Public()}
}

// ID returns the NodeID of the identity.
func (p *PublicIdentity) ID() NodeID { return DeriveNodeID(p.Signing) }

// Equal reports whether p and q hold the same two public keys.
func (p *PublicIdentity) Equal(q *PublicIdentity) bool {
	return q != nil && p.Signing.Equal(q.Signing) && p.KEM.Equal(q.KEM)
}
