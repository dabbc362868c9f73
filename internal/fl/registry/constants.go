package registry

import (
	"crypto/sha256"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// Format of records.
const (
	// FormatVersion is the only record format version this package writes
	// and accepts.
	FormatVersion = 1
	// Magic starts every record.
	Magic = "X0MODEL\x00"
	// SignatureContext is the domain-separation context of the
	// coordinator's signature over a record's body.
	SignatureContext = "x0tta6bl4 global model v1"
	// IDSize is the size of a version ID, the SHA-256 of the body.
	IDSize = sha256.Size
)

// Limits of records. Every parser checks them before it allocates.
const (
	// MaxPayloadSize is the largest payload (model file) of a record:
	// 16 MiB, far above a meshdetect detector (about 0.1 MiB) and small
	// enough for one bbolt value and one API response.
	MaxPayloadSize = 16 << 20
	// MaxKindSize is the longest payload kind, such as "meshdetect/v1".
	MaxKindSize = 64
	// MaxStrategySize is the longest strategy name, such as "fedavg".
	MaxStrategySize = 64
	// MaxParticipants is the largest number of participants of a round.
	MaxParticipants = 4096
	// MaxReasonSize is the longest reason of a change of the current
	// version, in bytes.
	MaxReasonSize = 512
	// MinIDPrefix is the fewest hexadecimal digits Store.Resolve accepts
	// as an ID prefix.
	MinIDPrefix = 8

	// bodyFixedSize is the size of a body with an empty kind and strategy,
	// no participants and an empty certificate: magic, version, kind
	// length, payload size, payload hash, parent, round, strategy length,
	// three floats, created, participant count, coordinator, certificate
	// length.
	bodyFixedSize = len(Magic) + 1 + 1 + 4 + sha256.Size + IDSize + 8 + 1 + 3*8 + 8 + 2 + identity.NodeIDSize + 2
	// MaxBodySize is the largest signed body.
	MaxBodySize = bodyFixedSize + MaxKindSize + MaxStrategySize +
		MaxParticipants*identity.NodeIDSize + identity.MaxCertificateSize
	// MaxEnvelopeSize is the largest body with its signature: what the
	// store keeps apart from the payload.
	MaxEnvelopeSize = MaxBodySize + pqc.SignatureSize
	// MaxRecordSize is the largest encoded record.
	MaxRecordSize = MaxEnvelopeSize + MaxPayloadSize
)

// Store layout and limits.
const (
	// SchemaVersion is the layout version in the meta bucket; Open refuses
	// a file with another.
	SchemaVersion = 1
	// valueVersion is the first byte of every stored version and change.
	valueVersion = 1
	// DefaultRetain is how many versions a store keeps by default.
	DefaultRetain = 32
	// MaxRetain bounds Options.Retain.
	MaxRetain = 1024
	// MaxHistory is how many changes of the current version the history
	// keeps; older ones are pruned.
	MaxHistory = 4096
	// DefaultLockTimeout is how long Open waits for the file lock.
	DefaultLockTimeout = 5 * time.Second
	// FileMode is the permission of a new store file or record file.
	FileMode = 0o600
	// RecordFileMode is the permission of a record file written by
	// WriteRecordFile: records are public.
	RecordFileMode = 0o644
	// maxLineage bounds the versions Lineage walks: more than can be stored.
	maxLineage = MaxRetain + 1
	// versionValueFixed is the size of a stored version value without its
	// envelope: value version and acceptance time.
	versionValueFixed = 1 + 8
)
