package secagg

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// serverPhase is where a Server is in the round.
type serverPhase uint8

// Server phases, each named after the messages it accepts.
const (
	serverAdvertise serverPhase = iota // HandleAdvertise, then Roster
	serverKeys                         // HandleKeyCiphertexts, then KeyDeliveries
	serverShares                       // HandleShareKeys, then ShareDeliveries
	serverMasked                       // HandleMaskedInput, then UnmaskRequests
	serverUnmask                       // HandleUnmaskResponse, then Finish
	serverDone
)

// Server runs the server's side of one round: it routes messages between
// clients, sums the masked inputs and removes the masks. Each phase is
// collected with HandleXxx calls and closed by the call that produces the
// next phase's messages; which clients count as dropped is whatever the
// caller has not handed in by then (the caller owns time-outs). A Server
// is not safe for concurrent use and serves one round.
type Server struct {
	p     Params
	q     *Quantizer
	phase serverPhase

	keys map[ClientID][]byte // U1: advertised public keys
	ids  []ClientID          // U1, ascending
	g    *graph

	kcts map[ClientID][]PeerCiphertext // U_enc: round-1 ciphertexts by sender
	enc  []ClientID                    // U_enc, ascending

	shares map[ClientID][]OutgoingShare // U2: round-2 shares by sender
	u2     []ClientID                   // U2, ascending

	sum []uint32          // running sum of masked inputs
	u3  map[ClientID]bool // U3: clients whose masked input is in sum
	req map[ClientID]*UnmaskRequest

	resp map[ClientID]*UnmaskResponse // U5
}

// Result is the outcome of a round.
type Result struct {
	// Contributors are the clients whose inputs are in the sum, ascending.
	Contributors []ClientID
	// Sum is the sum of the contributors' quantised inputs modulo 2^32.
	Sum []uint32
	// Values is Sum decoded: the sum of the contributors' clipped inputs,
	// within len(Contributors)/(2*Scale) per coordinate.
	Values []float64
}

// NewServer returns the server of a round with parameters p.
func NewServer(p Params) (*Server, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	q, err := NewQuantizer(p.Clip, p.Scale)
	if err != nil {
		return nil, err
	}
	return &Server{p: p, q: q, keys: make(map[ClientID][]byte)}, nil
}

// checkPhase returns ErrPhase unless the server is in phase want.
func (s *Server) checkPhase(want serverPhase, step string) error {
	if s.phase != want {
		return fmt.Errorf("%w: server: %s out of order", ErrPhase, step)
	}
	return nil
}

// checkSender checks the round and sender of a client message, that the
// sender is in the set allowed for this phase and has not sent yet.
func (s *Server) checkSender(t msgType, round uint64, from ClientID, allowed func(ClientID) bool, seen bool) error {
	switch {
	case round != s.p.Round:
		return fmt.Errorf("%w: %v for round %d, server is in round %d", ErrRound, t, round, s.p.Round)
	case from == 0 || !allowed(from):
		return fmt.Errorf("%w: %v from client %d", ErrUnknownClient, t, from)
	case seen:
		return fmt.Errorf("%w: second %v from client %d", ErrDuplicate, t, from)
	}
	return nil
}

// HandleAdvertise records a client's round-0 key.
func (s *Server) HandleAdvertise(m *AdvertiseKeys) error {
	if err := s.checkPhase(serverAdvertise, "HandleAdvertise"); err != nil {
		return err
	}
	_, seen := s.keys[m.From]
	if err := s.checkSender(typeAdvertiseKeys, m.Round, m.From, func(ClientID) bool { return true }, seen); err != nil {
		return err
	}
	if len(s.keys) >= MaxClients {
		return fmt.Errorf("%w: more than %d clients", ErrLimit, MaxClients)
	}
	if _, err := pqc.ParseKEMPublicKey(m.PublicKey); err != nil {
		return fmt.Errorf("%w: key of client %d: %w", ErrMalformed, m.From, err)
	}
	s.keys[m.From] = slices.Clone(m.PublicKey)
	return nil
}

// Roster closes round 0 and returns the roster to broadcast. It draws the
// SecAgg+ graph seed from rand. It fails with ErrBelowThreshold if fewer
// than Threshold clients advertised, and with ErrOverflow or ErrParams if
// the parameters do not suit that many clients.
func (s *Server) Roster(rand io.Reader) (*Roster, error) {
	if err := s.checkPhase(serverAdvertise, "Roster"); err != nil {
		return nil, err
	}
	if err := s.p.checkRoster(len(s.keys)); err != nil {
		return nil, err
	}
	r := &Roster{Params: s.p}
	if _, err := io.ReadFull(rand, r.GraphSeed[:]); err != nil {
		return nil, fmt.Errorf("secagg: reading randomness: %w", err)
	}
	s.ids = slices.Sorted(maps.Keys(s.keys))
	for _, id := range s.ids {
		r.Clients = append(r.Clients, RosterEntry{ID: id, PublicKey: slices.Clone(s.keys[id])})
	}
	s.g = newGraph(s.ids, s.p.Neighbours, s.p.Round, &r.GraphSeed)
	s.kcts = make(map[ClientID][]PeerCiphertext)
	s.phase = serverKeys
	return r, nil
}

// inRoster reports whether id is in U1.
func (s *Server) inRoster(id ClientID) bool {
	_, ok := slices.BinarySearch(s.ids, id)
	return ok
}

// HandleKeyCiphertexts records a client's round-1 ciphertexts. There must
// be exactly one for each of its neighbours with a larger ID.
func (s *Server) HandleKeyCiphertexts(m *KeyCiphertexts) error {
	if err := s.checkPhase(serverKeys, "HandleKeyCiphertexts"); err != nil {
		return err
	}
	_, seen := s.kcts[m.From]
	if err := s.checkSender(typeKeyCiphertexts, m.Round, m.From, s.inRoster, seen); err != nil {
		return err
	}
	var want []ClientID
	for _, v := range s.g.neighbours(m.From) {
		if v > m.From {
			want = append(want, v)
		}
	}
	got := make([]ClientID, len(m.Ciphertexts))
	for i, e := range m.Ciphertexts {
		got[i] = e.Peer
		if len(e.Ciphertext) != CiphertextSize {
			return fmt.Errorf("%w: ciphertext from %d to %d is %d bytes, want %d", ErrMalformed, m.From, e.Peer, len(e.Ciphertext), CiphertextSize)
		}
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("%w: client %d sent ciphertexts to %v, want %v", ErrInconsistent, m.From, got, want)
	}
	s.kcts[m.From] = slices.Clone(m.Ciphertexts)
	return nil
}

// activeNeighbours returns the neighbours of u that are in set, ascending.
func (s *Server) activeNeighbours(u ClientID, set []ClientID) []ClientID {
	var out []ClientID
	for _, v := range s.g.neighbours(u) {
		if _, ok := slices.BinarySearch(set, v); ok {
			out = append(out, v)
		}
	}
	return out
}

// KeyDeliveries closes round 1 and returns one message for each client
// that completed it, by ascending recipient.
func (s *Server) KeyDeliveries() ([]*KeyDelivery, error) {
	if err := s.checkPhase(serverKeys, "KeyDeliveries"); err != nil {
		return nil, err
	}
	if len(s.kcts) < s.p.Threshold {
		return nil, fmt.Errorf("%w: %d clients finished round 1, threshold %d", ErrBelowThreshold, len(s.kcts), s.p.Threshold)
	}
	s.enc = slices.Sorted(maps.Keys(s.kcts))
	out := make([]*KeyDelivery, 0, len(s.enc))
	for _, v := range s.enc {
		d := &KeyDelivery{Round: s.p.Round, To: v, Active: s.activeNeighbours(v, s.enc)}
		for _, u := range d.Active {
			if u > v {
				break
			}
			for _, e := range s.kcts[u] {
				if e.Peer == v {
					d.Ciphertexts = append(d.Ciphertexts, PeerCiphertext{Peer: u, Ciphertext: e.Ciphertext})
					break
				}
			}
		}
		out = append(out, d)
	}
	s.kcts = nil
	s.shares = make(map[ClientID][]OutgoingShare)
	s.phase = serverShares
	return out, nil
}

// HandleShareKeys records a client's round-2 shares and escrows. There
// must be exactly one entry for each of its neighbours that finished
// round 1.
func (s *Server) HandleShareKeys(m *ShareKeys) error {
	if err := s.checkPhase(serverShares, "HandleShareKeys"); err != nil {
		return err
	}
	_, seen := s.shares[m.From]
	inEnc := func(id ClientID) bool { _, ok := slices.BinarySearch(s.enc, id); return ok }
	if err := s.checkSender(typeShareKeys, m.Round, m.From, inEnc, seen); err != nil {
		return err
	}
	got := make([]ClientID, len(m.Shares))
	for i, e := range m.Shares {
		got[i] = e.To
		if len(e.Ciphertext) != ShareCiphertextSize || len(e.Escrow) != EscrowSize {
			return fmt.Errorf("%w: share from %d to %d has %d+%d bytes, want %d+%d", ErrMalformed,
				m.From, e.To, len(e.Ciphertext), len(e.Escrow), ShareCiphertextSize, EscrowSize)
		}
	}
	if want := s.activeNeighbours(m.From, s.enc); !slices.Equal(got, want) {
		return fmt.Errorf("%w: client %d sent shares to %v, want %v", ErrInconsistent, m.From, got, want)
	}
	s.shares[m.From] = slices.Clone(m.Shares)
	return nil
}

// ShareDeliveries closes round 2 and returns one message for each client
// that completed it, by ascending recipient.
func (s *Server) ShareDeliveries() ([]*ShareDelivery, error) {
	if err := s.checkPhase(serverShares, "ShareDeliveries"); err != nil {
		return nil, err
	}
	if len(s.shares) < s.p.Threshold {
		return nil, fmt.Errorf("%w: %d clients finished round 2, threshold %d", ErrBelowThreshold, len(s.shares), s.p.Threshold)
	}
	s.u2 = slices.Sorted(maps.Keys(s.shares))
	out := make([]*ShareDelivery, 0, len(s.u2))
	for _, v := range s.u2 {
		d := &ShareDelivery{Round: s.p.Round, To: v}
		for _, u := range s.activeNeighbours(v, s.u2) {
			e, _ := s.outgoing(u, v)
			d.Shares = append(d.Shares, PeerCiphertext{Peer: u, Ciphertext: e.Ciphertext})
		}
		out = append(out, d)
	}
	s.sum = make([]uint32, s.p.Dim)
	s.u3 = make(map[ClientID]bool)
	s.phase = serverMasked
	return out, nil
}

// outgoing returns the entry u sent for v in round 2.
func (s *Server) outgoing(u, v ClientID) (OutgoingShare, bool) {
	l := s.shares[u]
	i, ok := slices.BinarySearchFunc(l, v, func(e OutgoingShare, v ClientID) int { return cmp.Compare(e.To, v) })
	if !ok {
		return OutgoingShare{}, false
	}
	return l[i], true
}
