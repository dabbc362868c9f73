package secagg

import (
	"fmt"
	"math"

	"golang.org/x/crypto/cryptobyte"
)

// AdvertiseKeys is sent by a client to the server in round 0: its
// per-round hybrid KEM public key.
type AdvertiseKeys struct {
	Round     uint64
	From      ClientID
	PublicKey []byte // PublicKeySize bytes
}

// RosterEntry is one client of a Roster.
type RosterEntry struct {
	ID        ClientID
	PublicKey []byte // PublicKeySize bytes
}

// Roster is broadcast by the server at the end of round 0: the round's
// parameters, the SecAgg+ graph seed and every client that advertised a
// key, by ascending ID.
type Roster struct {
	Params    Params
	GraphSeed [GraphSeedSize]byte
	Clients   []RosterEntry
}

// PeerCiphertext is a ciphertext from or to one peer.
type PeerCiphertext struct {
	Peer       ClientID
	Ciphertext []byte
}

// KeyCiphertexts is sent by client u to the server in round 1 (the key
// encapsulation leg that a KEM needs and Diffie-Hellman does not): one
// hybrid KEM ciphertext (CiphertextSize bytes) for every neighbour v > u,
// by ascending Peer.
type KeyCiphertexts struct {
	Round       uint64
	From        ClientID
	Ciphertexts []PeerCiphertext
}

// KeyDelivery is sent by the server to client v at the end of round 1:
// v's neighbours that completed round 1 (Active, ascending) and the
// ciphertexts that those below v encapsulated to v, by ascending Peer.
type KeyDelivery struct {
	Round       uint64
	To          ClientID
	Active      []ClientID
	Ciphertexts []PeerCiphertext
}

// OutgoingShare is client u's encrypted shares for peer To
// (ShareCiphertextSize bytes, readable only by To) and the escrow of the
// pairwise mask seed s_{u,To} (EscrowSize bytes, readable by nobody until
// u's recovery key is reconstructed).
type OutgoingShare struct {
	To         ClientID
	Ciphertext []byte
	Escrow     []byte
}

// ShareKeys is sent by a client to the server in round 2, one entry per
// active neighbour by ascending To.
type ShareKeys struct {
	Round  uint64
	From   ClientID
	Shares []OutgoingShare
}

// ShareDelivery is sent by the server to a client at the end of round 2:
// the encrypted shares (ShareCiphertextSize bytes each) from every
// neighbour that completed round 2, by ascending Peer.
type ShareDelivery struct {
	Round  uint64
	To     ClientID
	Shares []PeerCiphertext
}

// MaskedInput is sent by a client to the server in round 3: its quantised
// input plus its self mask and pairwise masks, modulo 2^32.
type MaskedInput struct {
	Round  uint64
	From   ClientID
	Masked []uint32
}

// UnmaskRequest is sent by the server to every client that sent a masked
// input: which of the client's neighbours (and itself) survived round 3
// (Alive: reveal their self-mask shares) and which dropped after round 2
// (Dropped: reveal their recovery-key shares). Both lists ascend.
type UnmaskRequest struct {
	Round   uint64
	To      ClientID
	Alive   []ClientID
	Dropped []ClientID
}

// ShareKind says which secret a revealed share belongs to.
type ShareKind uint8

// Share kinds.
const (
	// SelfMaskShare is a share of a surviving client's self-mask seed b_u.
	SelfMaskShare ShareKind = 1
	// RecoveryShare is a share of a dropped client's recovery key r_u,
	// which opens the escrows of its pairwise mask seeds.
	RecoveryShare ShareKind = 2
)

// RevealedShare is one share revealed in round 4.
type RevealedShare struct {
	Owner ClientID
	Kind  ShareKind
	Share [SecretSize]byte
}

// UnmaskResponse is sent by a client to the server in round 4, by
// ascending Owner.
type UnmaskResponse struct {
	Round  uint64
	From   ClientID
	Shares []RevealedShare
}

// MarshalBinary encodes m.
func (m *AdvertiseKeys) MarshalBinary() ([]byte, error) {
	t := typeAdvertiseKeys
	if err := checkSender(t, m.From); err != nil {
		return nil, err
	}
	if err := checkSize(t, "public key", len(m.PublicKey), PublicKeySize); err != nil {
		return nil, err
	}
	b := newBuilder(t, m.Round, headerSize+4+PublicKeySize)
	b.AddUint32(uint32(m.From))
	b.AddBytes(m.PublicKey)
	return finish(t, b)
}

// UnmarshalBinary decodes data into m.
func (m *AdvertiseKeys) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeAdvertiseKeys, data)
	if err != nil {
		return err
	}
	from := r.id("sender")
	pk := r.bytes(PublicKeySize, "public key")
	if err := r.end(); err != nil {
		return err
	}
	*m = AdvertiseKeys{Round: round, From: from, PublicKey: pk}
	return nil
}

// rosterEntrySize is one encoded roster entry.
const rosterEntrySize = 4 + PublicKeySize

// MarshalBinary encodes m.
func (m *Roster) MarshalBinary() ([]byte, error) {
	t := typeRoster
	p := m.Params
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v: %w", ErrMalformed, t, err)
	}
	ids := make([]ClientID, len(m.Clients))
	for i, c := range m.Clients {
		ids[i] = c.ID
		if err := checkSize(t, "public key", len(c.PublicKey), PublicKeySize); err != nil {
			return nil, err
		}
	}
	if err := checkIDs(t, "client", ids); err != nil {
		return nil, err
	}
	b := newBuilder(t, p.Round, headerSize+28+GraphSeedSize+3+len(ids)*rosterEntrySize)
	b.AddUint32(uint32(p.Dim))
	b.AddUint16(uint16(p.Threshold))
	b.AddUint16(uint16(p.Neighbours))
	b.AddUint64(math.Float64bits(p.Clip))
	b.AddUint64(math.Float64bits(p.Scale))
	b.AddBytes(m.GraphSeed[:])
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, c := range m.Clients {
			b.AddUint32(uint32(c.ID))
			b.AddBytes(c.PublicKey)
		}
	})
	return finish(t, b)
}

// UnmarshalBinary decodes data into m. The parameters must pass
// Params.Validate.
func (m *Roster) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeRoster, data)
	if err != nil {
		return err
	}
	var dim uint32
	var thr, nb uint16
	var clip, scale uint64
	var seed [GraphSeedSize]byte
	if !r.s.ReadUint32(&dim) || !r.s.ReadUint16(&thr) || !r.s.ReadUint16(&nb) ||
		!r.s.ReadUint64(&clip) || !r.s.ReadUint64(&scale) || !r.s.CopyBytes(seed[:]) {
		r.fail("truncated parameters")
		return r.err
	}
	p := Params{Round: round, Dim: int(dim), Threshold: int(thr), Neighbours: int(nb),
		Clip: math.Float64frombits(clip), Scale: math.Float64frombits(scale)}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%w: %v: %w", ErrMalformed, typeRoster, err)
	}
	var clients []RosterEntry
	ids := make([]ClientID, 0)
	r.list("client", rosterEntrySize, func(s *cryptobyte.String) {
		var e RosterEntry
		var id uint32
		e.PublicKey = make([]byte, PublicKeySize)
		s.ReadUint32(&id)
		s.CopyBytes(e.PublicKey)
		e.ID = ClientID(id)
		clients = append(clients, e)
		ids = append(ids, e.ID)
	})
	if r.err == nil {
		if err := checkAscending(ids); err != nil {
			r.fail("clients: %v", err)
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	*m = Roster{Params: p, GraphSeed: seed, Clients: clients}
	return nil
}

// marshalPeerList encodes a message whose body is a client ID and a list
// of (peer, fixed-size ciphertext).
func marshalPeerList(t msgType, round uint64, client ClientID, list []PeerCiphertext, size int) ([]byte, error) {
	if err := checkSender(t, client); err != nil {
		return nil, err
	}
	ids := make([]ClientID, len(list))
	for i, e := range list {
		ids[i] = e.Peer
		if err := checkSize(t, "ciphertext", len(e.Ciphertext), size); err != nil {
			return nil, err
		}
	}
	if err := checkIDs(t, "peer", ids); err != nil {
		return nil, err
	}
	b := newBuilder(t, round, headerSize+4+3+len(list)*(4+size))
	b.AddUint32(uint32(client))
	addPeerList(b, list)
	return finish(t, b)
}

// addPeerList writes a uint24-prefixed list of (peer, ciphertext).
func addPeerList(b *cryptobyte.Builder, list []PeerCiphertext) {
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, e := range list {
			b.AddUint32(uint32(e.Peer))
			b.AddBytes(e.Ciphertext)
		}
	})
}

// peerList reads a list of (peer, ciphertext of size bytes) with strictly
// ascending peers.
func (r *reader) peerList(size int) []PeerCiphertext {
	var out []PeerCiphertext
	ids := make([]ClientID, 0)
	r.list("ciphertext", 4+size, func(s *cryptobyte.String) {
		var id uint32
		e := PeerCiphertext{Ciphertext: make([]byte, size)}
		s.ReadUint32(&id)
		s.CopyBytes(e.Ciphertext)
		e.Peer = ClientID(id)
		out = append(out, e)
		ids = append(ids, e.Peer)
	})
	if r.err == nil {
		if err := checkAscending(ids); err != nil {
			r.fail("ciphertexts: %v", err)
		}
	}
	return out
}

// MarshalBinary encodes m.
func (m *KeyCiphertexts) MarshalBinary() ([]byte, error) {
	return marshalPeerList(typeKeyCiphertexts, m.Round, m.From, m.Ciphertexts, CiphertextSize)
}

// UnmarshalBinary decodes data into m.
func (m *KeyCiphertexts) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeKeyCiphertexts, data)
	if err != nil {
		return err
	}
	from := r.id("sender")
	list := r.peerList(CiphertextSize)
	if err := r.end(); err != nil {
		return err
	}
	*m = KeyCiphertexts{Round: round, From: from, Ciphertexts: list}
	return nil
}

// MarshalBinary encodes m.
func (m *KeyDelivery) MarshalBinary() ([]byte, error) {
	t := typeKeyDelivery
	if err := checkIDs(t, "active", m.Active); err != nil {
		return nil, err
	}
	body, err := marshalPeerList(t, m.Round, m.To, m.Ciphertexts, CiphertextSize)
	if err != nil {
		return nil, err
	}
	// Insert the active list between the recipient and the ciphertexts.
	b := cryptobyte.NewBuilder(make([]byte, 0, len(body)+3+4*len(m.Active)))
	b.AddBytes(body[:headerSize+4])
	addIDs(b, m.Active)
	b.AddBytes(body[headerSize+4:])
	return finish(t, b)
}

// UnmarshalBinary decodes data into m.
func (m *KeyDelivery) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeKeyDelivery, data)
	if err != nil {
		return err
	}
	to := r.id("recipient")
	active := r.ids("active")
	list := r.peerList(CiphertextSize)
	if err := r.end(); err != nil {
		return err
	}
	*m = KeyDelivery{Round: round, To: to, Active: active, Ciphertexts: list}
	return nil
}

// shareEntrySize is one encoded OutgoingShare.
const shareEntrySize = 4 + ShareCiphertextSize + EscrowSize

// MarshalBinary encodes m.
func (m *ShareKeys) MarshalBinary() ([]byte, error) {
	t := typeShareKeys
	if err := checkSender(t, m.From); err != nil {
		return nil, err
	}
	ids := make([]ClientID, len(m.Shares))
	for i, e := range m.Shares {
		ids[i] = e.To
		if err := checkSize(t, "share ciphertext", len(e.Ciphertext), ShareCiphertextSize); err != nil {
			return nil, err
		}
		if err := checkSize(t, "escrow", len(e.Escrow), EscrowSize); err != nil {
			return nil, err
		}
	}
	if err := checkIDs(t, "recipient", ids); err != nil {
		return nil, err
	}
	b := newBuilder(t, m.Round, headerSize+4+3+len(ids)*shareEntrySize)
	b.AddUint32(uint32(m.From))
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, e := range m.Shares {
			b.AddUint32(uint32(e.To))
			b.AddBytes(e.Ciphertext)
			b.AddBytes(e.Escrow)
		}
	})
	return finish(t, b)
}

// UnmarshalBinary decodes data into m.
func (m *ShareKeys) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeShareKeys, data)
	if err != nil {
		return err
	}
	from := r.id("sender")
	var shares []OutgoingShare
	ids := make([]ClientID, 0)
	r.list("share", shareEntrySize, func(s *cryptobyte.String) {
		var id uint32
		e := OutgoingShare{Ciphertext: make([]byte, ShareCiphertextSize), Escrow: make([]byte, EscrowSize)}
		s.ReadUint32(&id)
		s.CopyBytes(e.Ciphertext)
		s.CopyBytes(e.Escrow)
		e.To = ClientID(id)
		shares = append(shares, e)
		ids = append(ids, e.To)
	})
	if r.err == nil {
		if err := checkAscending(ids); err != nil {
			r.fail("shares: %v", err)
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	*m = ShareKeys{Round: round, From: from, Shares: shares}
	return nil
}

// MarshalBinary encodes m.
func (m *ShareDelivery) MarshalBinary() ([]byte, error) {
	return marshalPeerList(typeShareDelivery, m.Round, m.To, m.Shares, ShareCiphertextSize)
}

// UnmarshalBinary decodes data into m.
func (m *ShareDelivery) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeShareDelivery, data)
	if err != nil {
		return err
	}
	to := r.id("recipient")
	list := r.peerList(ShareCiphertextSize)
	if err := r.end(); err != nil {
		return err
	}
	*m = ShareDelivery{Round: round, To: to, Shares: list}
	return nil
}

// MarshalBinary encodes m.
func (m *MaskedInput) MarshalBinary() ([]byte, error) {
	t := typeMaskedInput
	if err := checkSender(t, m.From); err != nil {
		return nil, err
	}
	if len(m.Masked) < 1 || len(m.Masked) > MaxDim {
		return nil, fmt.Errorf("%w: %v: %d coordinates, want 1..%d", ErrLimit, t, len(m.Masked), MaxDim)
	}
	b := newBuilder(t, m.Round, headerSize+8+4*len(m.Masked))
	b.AddUint32(uint32(m.From))
	b.AddUint32LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, w := range m.Masked {
			b.AddUint32(w)
		}
	})
	return finish(t, b)
}

// UnmarshalBinary decodes data into m.
func (m *MaskedInput) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeMaskedInput, data)
	if err != nil {
		return err
	}
	from := r.id("sender")
	n := r.u32("vector length")
	if r.err == nil && (n%4 != 0 || n == 0) {
		r.fail("vector of %d bytes is not a positive multiple of 4", n)
	}
	if r.err == nil && n/4 > MaxDim {
		r.failLimit("%d coordinates, at most %d", n/4, MaxDim)
	}
	var l cryptobyte.String
	if r.err == nil && !r.s.ReadBytes((*[]byte)(&l), int(n)) {
		r.fail("truncated vector: %d bytes, want %d", len(r.s), n)
	}
	if err := r.end(); err != nil {
		return err
	}
	v := make([]uint32, len(l)/4)
	for i := range v {
		l.ReadUint32(&v[i])
	}
	*m = MaskedInput{Round: round, From: from, Masked: v}
	return nil
}

// MarshalBinary encodes m.
func (m *UnmaskRequest) MarshalBinary() ([]byte, error) {
	t := typeUnmaskRequest
	if err := checkSender(t, m.To); err != nil {
		return nil, err
	}
	if err := checkIDs(t, "alive", m.Alive); err != nil {
		return nil, err
	}
	if err := checkIDs(t, "dropped", m.Dropped); err != nil {
		return nil, err
	}
	b := newBuilder(t, m.Round, headerSize+10+4*(len(m.Alive)+len(m.Dropped)))
	b.AddUint32(uint32(m.To))
	addIDs(b, m.Alive)
	addIDs(b, m.Dropped)
	return finish(t, b)
}

// UnmarshalBinary decodes data into m. It does not check that Alive and
// Dropped are disjoint: that is the client's decision (ErrDoubleReveal).
func (m *UnmaskRequest) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeUnmaskRequest, data)
	if err != nil {
		return err
	}
	to := r.id("recipient")
	alive := r.ids("alive")
	dropped := r.ids("dropped")
	if err := r.end(); err != nil {
		return err
	}
	*m = UnmaskRequest{Round: round, To: to, Alive: alive, Dropped: dropped}
	return nil
}

// revealedSize is one encoded RevealedShare.
const revealedSize = 4 + 1 + SecretSize

// MarshalBinary encodes m.
func (m *UnmaskResponse) MarshalBinary() ([]byte, error) {
	t := typeUnmaskResponse
	if err := checkSender(t, m.From); err != nil {
		return nil, err
	}
	ids := make([]ClientID, len(m.Shares))
	for i, e := range m.Shares {
		ids[i] = e.Owner
		if e.Kind != SelfMaskShare && e.Kind != RecoveryShare {
			return nil, fmt.Errorf("%w: %v: share kind %d", ErrMalformed, t, e.Kind)
		}
	}
	if err := checkIDs(t, "owner", ids); err != nil {
		return nil, err
	}
	b := newBuilder(t, m.Round, headerSize+7+len(ids)*revealedSize)
	b.AddUint32(uint32(m.From))
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, e := range m.Shares {
			b.AddUint32(uint32(e.Owner))
			b.AddUint8(uint8(e.Kind))
			b.AddBytes(e.Share[:])
		}
	})
	return finish(t, b)
}

// UnmarshalBinary decodes data into m. Shares must be canonical field
// elements.
func (m *UnmaskResponse) UnmarshalBinary(data []byte) error {
	r, round, err := newReader(typeUnmaskResponse, data)
	if err != nil {
		return err
	}
	from := r.id("sender")
	var shares []RevealedShare
	ids := make([]ClientID, 0)
	r.list("share", revealedSize, func(s *cryptobyte.String) {
		var id uint32
		var kind uint8
		var e RevealedShare
		s.ReadUint32(&id)
		s.ReadUint8(&kind)
		s.CopyBytes(e.Share[:])
		e.Owner, e.Kind = ClientID(id), ShareKind(kind)
		if e.Kind != SelfMaskShare && e.Kind != RecoveryShare {
			r.fail("share kind %d", kind)
		}
		if v := elt(e.Share); !canonical(&v) {
			r.fail("share of client %d is not a canonical field element", id)
		}
		shares = append(shares, e)
		ids = append(ids, e.Owner)
	})
	if r.err == nil {
		if err := checkAscending(ids); err != nil {
			r.fail("shares: %v", err)
		}
	}
	if err := r.end(); err != nil {
		return err
	}
	*m = UnmaskResponse{Round: round, From: from, Shares: shares}
	return nil
}
