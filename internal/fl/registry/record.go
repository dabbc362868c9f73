package registry

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// Header is the signed description of a model version: everything the
// body holds. Record and Version embed it; the fields are for reading.
type Header struct {
	// Kind names the payload's format, such as "meshdetect/v1": 1 to
	// MaxKindSize printable ASCII bytes without spaces.
	Kind string
	// PayloadSize is the payload's length in bytes, at most MaxPayloadSize.
	PayloadSize int
	// PayloadHash is the SHA-256 of the payload.
	PayloadHash [sha256.Size]byte
	// Parent is the ID of the version this one was trained from; zero for
	// the first version of a network.
	Parent ID
	// Round is the federated round that produced the version, from 1.
	Round uint64
	// Strategy names the aggregation strategy, such as "fedavg": 1 to
	// MaxStrategySize printable ASCII bytes without spaces.
	Strategy string
	// EpsilonRound and EpsilonTotal are the differential-privacy ε spent
	// by this round and by all rounds up to it, and Delta the δ they hold
	// for. All three are finite and ≥ 0, Delta < 1 and EpsilonTotal ≥
	// EpsilonRound; all zero means the rounds were not accounted as
	// differentially private.
	EpsilonRound, EpsilonTotal, Delta float64
	// Created is when the coordinator made the version, to the nanosecond
	// (UTC). It is signed but only informational: rounds order versions.
	Created time.Time
	// Participants are the node IDs whose updates the round aggregated,
	// strictly ascending, at most MaxParticipants.
	Participants []identity.NodeID
	// Coordinator is the node that signed the version: the subject of
	// Certificate.
	Coordinator identity.NodeID
	// Certificate is the coordinator's node certificate, so that a
	// verifier needs only the network's CA certificate.
	Certificate *identity.Certificate
}

// Record is a signed model version with its payload. Records come from
// Sign, ParseRecord, LoadRecordFile or Store.Get; the fields are for
// reading.
type Record struct {
	Header
	// ID is the SHA-256 of the signed body.
	ID ID
	// Signature is the coordinator's hybrid signature over the body.
	Signature []byte
	// Payload is the model file.
	Payload []byte

	raw     []byte // the whole encoding
	bodyLen int    // raw[:bodyLen] is the body
}

// Raw returns a copy of the record's encoding.
func (r *Record) Raw() []byte { return slices.Clone(r.raw) }

// envelope returns the body and the signature: the record without its
// payload.
func (r *Record) envelope() []byte { return r.raw[:r.bodyLen+pqc.SignatureSize] }

// Params is what a coordinator supplies to Sign: the global model of one
// round.
type Params struct {
	// Kind names the payload's format, such as "meshdetect/v1".
	Kind string
	// Payload is the model file, at most MaxPayloadSize bytes.
	Payload []byte
	// Parent is the ID of the version the round started from; zero for
	// the first.
	Parent ID
	// Round is the round number, from 1.
	Round uint64
	// Strategy names the aggregation strategy.
	Strategy string
	// EpsilonRound, EpsilonTotal and Delta are the privacy budget spent
	// (see Header).
	EpsilonRound, EpsilonTotal, Delta float64
	// Participants are the nodes whose updates were aggregated, in any
	// order, each once.
	Participants []identity.NodeID
	// Created is when the version was made.
	Created time.Time
}

// Sign makes the record of p, signed by the coordinator whose signing key
// is key and whose node certificate is cert. It refuses, with ErrInvalid,
// parameters the format cannot hold and a key that does not belong to the
// certificate. The result is what a peer parses.
func Sign(p Params, key *pqc.SigningKey, cert *identity.Certificate) (*Record, error) {
	if key == nil || cert == nil {
		return nil, fmt.Errorf("%w: a signing key and its certificate are required", ErrInvalid)
	}
	if !key.Public().Equal(cert.Signing) {
		return nil, fmt.Errorf("%w: the signing key does not belong to the certificate of %s", ErrInvalid, cert.Subject.Short())
	}
	if len(p.Payload) > MaxPayloadSize {
		return nil, fmt.Errorf("%w: payload is %d bytes, the limit is %d", ErrInvalid, len(p.Payload), MaxPayloadSize)
	}
	parts := slices.Clone(p.Participants)
	slices.SortFunc(parts, compareNodeIDs)
	for i := 1; i < len(parts); i++ {
		if parts[i] == parts[i-1] {
			return nil, fmt.Errorf("%w: participant %s listed twice", ErrInvalid, parts[i].Short())
		}
	}
	h := Header{
		Kind: p.Kind, PayloadSize: len(p.Payload), PayloadHash: sha256.Sum256(p.Payload), Parent: p.Parent,
		Round: p.Round, Strategy: p.Strategy, EpsilonRound: p.EpsilonRound, EpsilonTotal: p.EpsilonTotal,
		Delta: p.Delta, Created: p.Created, Participants: parts, Coordinator: cert.Subject, Certificate: cert,
	}
	body, err := encodeBody(&h)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	sig, err := key.Sign(body, []byte(SignatureContext))
	if err != nil {
		return nil, fmt.Errorf("registry: signing: %w", err)
	}
	raw := make([]byte, 0, len(body)+len(sig)+len(p.Payload))
	raw = append(append(append(raw, body...), sig...), p.Payload...)
	return parseRecord(raw)
}

// encodeBody checks h and returns its canonical body.
func encodeBody(h *Header) ([]byte, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	cert := h.Certificate.Raw()
	b := cryptobyte.NewFixedBuilder(make([]byte, 0, bodyFixedSize+len(h.Kind)+len(h.Strategy)+
		len(h.Participants)*identity.NodeIDSize+len(cert)))
	b.AddBytes([]byte(Magic))
	b.AddUint8(FormatVersion)
	b.AddUint8(uint8(len(h.Kind)))
	b.AddBytes([]byte(h.Kind))
	b.AddUint32(uint32(h.PayloadSize))
	b.AddBytes(h.PayloadHash[:])
	b.AddBytes(h.Parent[:])
	b.AddUint64(h.Round)
	b.AddUint8(uint8(len(h.Strategy)))
	b.AddBytes([]byte(h.Strategy))
	b.AddUint64(math.Float64bits(h.EpsilonRound))
	b.AddUint64(math.Float64bits(h.EpsilonTotal))
	b.AddUint64(math.Float64bits(h.Delta))
	b.AddUint64(uint64(h.Created.UnixNano()))
	b.AddUint16(uint16(len(h.Participants)))
	for _, p := range h.Participants {
		b.AddBytes(p[:])
	}
	b.AddBytes(h.Coordinator[:])
	b.AddUint16(uint16(len(cert)))
	b.AddBytes(cert)
	return b.Bytes()
}

// ParseRecord decodes a record and checks its structure (see the package
// documentation); errors wrap ErrMalformed. It does not check the
// signature, the certificate chain or the payload hash: Verifier.Verify
// does. The record keeps its own copy of b.
func ParseRecord(b []byte) (*Record, error) {
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: record is %d bytes, the limit is %d", ErrMalformed, len(b), MaxRecordSize)
	}
	return parseRecord(slices.Clone(b))
}

// parseRecord parses raw, which the record then owns.
func parseRecord(raw []byte) (*Record, error) {
	s := cryptobyte.String(raw)
	h, err := parseBody(&s)
	if err != nil {
		return nil, err
	}
	bodyLen := len(raw) - len(s)
	var sig []byte
	if !s.ReadBytes(&sig, pqc.SignatureSize) {
		return nil, fmt.Errorf("%w: record truncated in the signature", ErrMalformed)
	}
	if len(s) != h.PayloadSize {
		return nil, fmt.Errorf("%w: payload is %d bytes, the body says %d", ErrMalformed, len(s), h.PayloadSize)
	}
	return &Record{Header: h, ID: sha256.Sum256(raw[:bodyLen]), Signature: sig, Payload: []byte(s), raw: raw, bodyLen: bodyLen}, nil
}

// parseEnvelope parses a body and its signature with nothing after them,
// as the store keeps them; the record has no payload.
func parseEnvelope(env []byte) (*Record, error) {
	if len(env) > MaxEnvelopeSize {
		return nil, fmt.Errorf("%w: envelope is %d bytes, the limit is %d", ErrMalformed, len(env), MaxEnvelopeSize)
	}
	s := cryptobyte.String(env)
	h, err := parseBody(&s)
	if err != nil {
		return nil, err
	}
	bodyLen := len(env) - len(s)
	if len(s) != pqc.SignatureSize {
		return nil, fmt.Errorf("%w: %d bytes after the body, want a %d-byte signature", ErrMalformed, len(s), pqc.SignatureSize)
	}
	return &Record{Header: h, ID: sha256.Sum256(env[:bodyLen]), Signature: []byte(s), raw: env, bodyLen: bodyLen}, nil
}

// parseBody reads a body from s and checks it.
func parseBody(s *cryptobyte.String) (Header, error) {
	var h Header
	var magic, hash, parent, parts, coord []byte
	var version uint8
	var kind, strategy, cert cryptobyte.String
	var size uint32
	var er, et, delta, created uint64
	var count uint16
	if !s.ReadBytes(&magic, len(Magic)) || string(magic) != Magic {
		return h, fmt.Errorf("%w: not a model record (no %q magic)", ErrMalformed, Magic)
	}
	if !s.ReadUint8(&version) {
		return h, fmt.Errorf("%w: record truncated", ErrMalformed)
	}
	if version != FormatVersion {
		return h, fmt.Errorf("%w: record version %d, want %d", ErrMalformed, version, FormatVersion)
	}
	if !s.ReadUint8LengthPrefixed(&kind) || !s.ReadUint32(&size) || !s.ReadBytes(&hash, sha256.Size) ||
		!s.ReadBytes(&parent, IDSize) || !s.ReadUint64(&h.Round) || !s.ReadUint8LengthPrefixed(&strategy) ||
		!s.ReadUint64(&er) || !s.ReadUint64(&et) || !s.ReadUint64(&delta) || !s.ReadUint64(&created) ||
		!s.ReadUint16(&count) {
		return h, fmt.Errorf("%w: record truncated in the body", ErrMalformed)
	}
	if size > MaxPayloadSize {
		return h, fmt.Errorf("%w: payload of %d bytes, the limit is %d", ErrMalformed, size, MaxPayloadSize)
	}
	if created > math.MaxInt64 {
		return h, fmt.Errorf("%w: creation time %d out of range", ErrMalformed, created)
	}
	if count > MaxParticipants {
		return h, fmt.Errorf("%w: %d participants, the limit is %d", ErrMalformed, count, MaxParticipants)
	}
	if !s.ReadBytes(&parts, int(count)*identity.NodeIDSize) || !s.ReadBytes(&coord, identity.NodeIDSize) ||
		!s.ReadUint16LengthPrefixed(&cert) {
		return h, fmt.Errorf("%w: record truncated in the body", ErrMalformed)
	}
	c, err := identity.ParseCertificate(cert)
	if err != nil {
		return h, fmt.Errorf("%w: coordinator certificate: %w", ErrMalformed, err)
	}
	h.Kind, h.Strategy, h.PayloadSize, h.Certificate = string(kind), string(strategy), int(size), c
	copy(h.PayloadHash[:], hash)
	copy(h.Parent[:], parent)
	copy(h.Coordinator[:], coord)
	h.EpsilonRound, h.EpsilonTotal, h.Delta = math.Float64frombits(er), math.Float64frombits(et), math.Float64frombits(delta)
	h.Created = time.Unix(0, int64(created)).UTC()
	if count > 0 {
		h.Participants = make([]identity.NodeID, count)
		for i := range h.Participants {
			copy(h.Participants[i][:], parts[i*identity.NodeIDSize:])
		}
	}
	if err := h.check(); err != nil {
		return h, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return h, nil
}

// inTimeRange reports whether t fits the encodings: Unix nanoseconds in an
// int64, from 1970 on.
func inTimeRange(t time.Time) bool {
	return !t.Before(time.Unix(0, 0)) && !t.After(time.Unix(0, math.MaxInt64))
}

// check returns what breaks a rule of the format in h, without a
// sentinel: Sign wraps it in ErrInvalid and the parser in ErrMalformed.
func (h *Header) check() error {
	if err := checkText("kind", h.Kind, MaxKindSize); err != nil {
		return err
	}
	if err := checkText("strategy", h.Strategy, MaxStrategySize); err != nil {
		return err
	}
	if h.PayloadSize < 0 || h.PayloadSize > MaxPayloadSize {
		return fmt.Errorf("payload of %d bytes, the limit is %d", h.PayloadSize, MaxPayloadSize)
	}
	if h.Round == 0 {
		return fmt.Errorf("round 0: rounds start at 1")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"ε round", h.EpsilonRound}, {"ε total", h.EpsilonTotal}, {"δ", h.Delta}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) || math.Signbit(f.v) {
			return fmt.Errorf("%s is %v, want a finite number ≥ 0", f.name, f.v)
		}
	}
	if h.EpsilonTotal < h.EpsilonRound {
		return fmt.Errorf("ε total %v is below ε of the round %v", h.EpsilonTotal, h.EpsilonRound)
	}
	if h.Delta >= 1 {
		return fmt.Errorf("δ is %v, want below 1", h.Delta)
	}
	if !inTimeRange(h.Created) {
		return fmt.Errorf("creation time %s out of range", h.Created.UTC().Format(time.RFC3339))
	}
	if len(h.Participants) > MaxParticipants {
		return fmt.Errorf("%d participants, the limit is %d", len(h.Participants), MaxParticipants)
	}
	for i := 1; i < len(h.Participants); i++ {
		if compareNodeIDs(h.Participants[i-1], h.Participants[i]) >= 0 {
			return fmt.Errorf("participants not strictly ascending at %d", i)
		}
	}
	switch c := h.Certificate; {
	case c == nil:
		return fmt.Errorf("no coordinator certificate")
	case c.Kind != identity.KindNode:
		return fmt.Errorf("coordinator certificate is a %s certificate, want a node certificate", c.Kind)
	case c.Subject != h.Coordinator:
		return fmt.Errorf("coordinator %s is not the subject %s of its certificate", h.Coordinator.Short(), c.Subject.Short())
	}
	return nil
}

// checkText checks a kind or strategy: 1 to limit bytes of printable ASCII
// other than space.
func checkText(what, s string, limit int) error {
	if len(s) == 0 || len(s) > limit {
		return fmt.Errorf("%s is %d bytes, want 1 to %d", what, len(s), limit)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%s %q has byte %#x at %d; allowed is printable ASCII without spaces", what, s, c, i)
		}
	}
	return nil
}

// checkReason checks the reason of a change: 1 to MaxReasonSize bytes of
// UTF-8 without control characters.
func checkReason(s string) error {
	if len(s) == 0 || len(s) > MaxReasonSize {
		return fmt.Errorf("reason is %d bytes, want 1 to %d", len(s), MaxReasonSize)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("reason is not valid UTF-8")
	}
	for _, c := range s {
		if c < ' ' || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return fmt.Errorf("reason has control character %U", c)
		}
	}
	return nil
}

func compareNodeIDs(a, b identity.NodeID) int { return bytes.Compare(a[:], b[:]) }
