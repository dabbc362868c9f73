package secagg

import (
	"fmt"
	"io"
	"slices"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// clientPhase is where a Client is in the round.
type clientPhase uint8

// Client phases, each named after the message the client sends next or
// has sent last.
const (
	clientNew          clientPhase = iota // next: Advertise
	clientAdvertised                      // next: HandleRoster
	clientEncapsulated                    // next: HandleKeyDelivery
	clientShared                          // next: HandleShareDelivery
	clientMasked                          // next: HandleUnmaskRequest (repeatable)
)

// pairSecrets are the keys a client shares with one neighbour.
type pairSecrets struct {
	mask [SecretSize]byte // s_uv, the pairwise mask seed
	enc  [SecretSize]byte // c_uv, the key that encrypts shares
}

// heldShares are the shares a client holds of one peer's secrets.
type heldShares struct {
	selfMask elt // share of b_v
	recovery elt // share of r_v
}

// Client runs one client's side of one round. Its methods must be called
// in protocol order, each with the server's message for the previous
// phase; a Client is not safe for concurrent use. A Client serves one
// round only: make a new one (with a new KEM key) for every round.
type Client struct {
	p    Params
	q    *Quantizer
	id   ClientID
	rand io.Reader

	phase      clientPhase
	kem        *pqc.KEMKey
	g          *graph
	neighbours []ClientID
	pairs      map[ClientID]*pairSecrets
	active     []ClientID // neighbours that finished round 1

	selfMask   [SecretSize]byte         // b_u, wiped after masking
	ownShare   elt                      // own share of b_u, revealed in round 4
	held       map[ClientID]*heldShares // shares of the neighbours in U2
	maskedWith []ClientID               // neighbours in U2
	revealed   map[ClientID]ShareKind   // what was revealed about whom
}

// NewClient returns the client id for a round with parameters p. rand is
// the source of every key and mask seed: crypto/rand.Reader in production.
func NewClient(p Params, id ClientID, rand io.Reader) (*Client, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, fmt.Errorf("%w: client ID 0", ErrParams)
	}
	q, err := NewQuantizer(p.Clip, p.Scale)
	if err != nil {
		return nil, err
	}
	return &Client{p: p, q: q, id: id, rand: rand}, nil
}

// ID returns the client's ID.
func (c *Client) ID() ClientID { return c.id }

// checkPhase returns ErrPhase unless the client is in phase want.
func (c *Client) checkPhase(want clientPhase, step string) error {
	if c.phase != want {
		return fmt.Errorf("%w: client %d: %s out of order", ErrPhase, c.id, step)
	}
	return nil
}

// checkAddress checks the round and recipient of a server message.
func (c *Client) checkAddress(t msgType, round uint64, to ClientID) error {
	if round != c.p.Round {
		return fmt.Errorf("%w: %v for round %d, client %d is in round %d", ErrRound, t, round, c.id, c.p.Round)
	}
	if to != c.id {
		return fmt.Errorf("%w: %v for client %d delivered to client %d", ErrInconsistent, t, to, c.id)
	}
	return nil
}

// Advertise generates the client's KEM key pair for the round and returns
// the round-0 message.
func (c *Client) Advertise() (*AdvertiseKeys, error) {
	if err := c.checkPhase(clientNew, "Advertise"); err != nil {
		return nil, err
	}
	k, err := pqc.GenerateKEMKey(c.rand)
	if err != nil {
		return nil, fmt.Errorf("secagg: client %d: %w", c.id, err)
	}
	c.kem = k
	c.phase = clientAdvertised
	return &AdvertiseKeys{Round: c.p.Round, From: c.id, PublicKey: k.Public().Bytes()}, nil
}

// HandleRoster checks the roster and encapsulates a fresh pairwise secret
// to every neighbour with a larger ID. It returns the round-1 message.
func (c *Client) HandleRoster(r *Roster) (*KeyCiphertexts, error) {
	if err := c.checkPhase(clientAdvertised, "HandleRoster"); err != nil {
		return nil, err
	}
	if r.Params.Round != c.p.Round {
		return nil, fmt.Errorf("%w: roster for round %d, client %d is in round %d", ErrRound, r.Params.Round, c.id, c.p.Round)
	}
	if r.Params != c.p {
		return nil, fmt.Errorf("%w: roster parameters %+v differ from the client's %+v", ErrParams, r.Params, c.p)
	}
	if err := c.p.checkRoster(len(r.Clients)); err != nil {
		return nil, err
	}
	ids := make([]ClientID, len(r.Clients))
	keys := make(map[ClientID][]byte, len(r.Clients))
	for i, e := range r.Clients {
		ids[i] = e.ID
		keys[e.ID] = e.PublicKey
	}
	if err := checkAscending(ids); err != nil {
		return nil, fmt.Errorf("%w: roster: %w", ErrMalformed, err)
	}
	own, ok := keys[c.id]
	if !ok || !c.kem.Public().Equal(parseOrNil(own)) {
		return nil, fmt.Errorf("%w: roster lacks client %d's own key", ErrInconsistent, c.id)
	}
	g := newGraph(ids, c.p.Neighbours, c.p.Round, &r.GraphSeed)
	nb := g.neighbours(c.id)
	pairs := make(map[ClientID]*pairSecrets, len(nb))
	msg := &KeyCiphertexts{Round: c.p.Round, From: c.id}
	for _, v := range nb {
		if v < c.id {
			continue
		}
		pk, err := pqc.ParseKEMPublicKey(keys[v])
		if err != nil {
			return nil, fmt.Errorf("%w: roster key of client %d: %w", ErrMalformed, v, err)
		}
		shared, ct, err := pk.Encapsulate(c.rand)
		if err != nil {
			return nil, fmt.Errorf("secagg: client %d: encapsulating to %d: %w", c.id, v, err)
		}
		ps, err := derivePair(shared, c.p.Round, c.id, v)
		if err != nil {
			return nil, err
		}
		pairs[v] = ps
		msg.Ciphertexts = append(msg.Ciphertexts, PeerCiphertext{Peer: v, Ciphertext: ct})
	}
	c.g, c.neighbours, c.pairs = g, nb, pairs
	c.phase = clientEncapsulated
	return msg, nil
}

// parseOrNil parses a public key, returning nil for a bad one (which
// Equal then reports as different).
func parseOrNil(b []byte) *pqc.KEMPublicKey {
	pk, err := pqc.ParseKEMPublicKey(b)
	if err != nil {
		return nil
	}
	return pk
}

// derivePair derives the pair secrets from a KEM shared secret and wipes
// the shared secret.
func derivePair(shared []byte, round uint64, u, v ClientID) (*pairSecrets, error) {
	defer clear(shared)
	s, k, err := pairKeys(shared, round, u, v)
	if err != nil {
		return nil, err
	}
	return &pairSecrets{mask: s, enc: k}, nil
}

// HandleKeyDelivery decapsulates the pairwise secrets from neighbours
// with smaller IDs, draws the self-mask seed b_u and the recovery key r_u,
// splits both t-out-of-(active neighbours + 1), and returns the round-2
// message: for each active neighbour its encrypted shares and the escrow
// of the pairwise mask seed.
func (c *Client) HandleKeyDelivery(d *KeyDelivery) (*ShareKeys, error) {
	if err := c.checkPhase(clientEncapsulated, "HandleKeyDelivery"); err != nil {
		return nil, err
	}
	if err := c.checkAddress(typeKeyDelivery, d.Round, d.To); err != nil {
		return nil, err
	}
	if err := c.checkPeers("active", d.Active, c.neighbours); err != nil {
		return nil, err
	}
	if len(d.Active)+1 < c.p.Threshold {
		return nil, fmt.Errorf("%w: client %d has %d active neighbours, threshold %d", ErrBelowThreshold, c.id, len(d.Active), c.p.Threshold)
	}
	var below []ClientID
	for _, v := range d.Active {
		if v < c.id {
			below = append(below, v)
		}
	}
	got := make([]ClientID, len(d.Ciphertexts))
	for i, e := range d.Ciphertexts {
		got[i] = e.Peer
	}
	if !slices.Equal(got, below) {
		return nil, fmt.Errorf("%w: key delivery has ciphertexts from %v, want %v", ErrInconsistent, got, below)
	}
	pairs := make(map[ClientID]*pairSecrets, len(d.Active))
	for _, e := range d.Ciphertexts {
		shared, err := c.kem.Decapsulate(e.Ciphertext)
		if err != nil {
			return nil, fmt.Errorf("%w: ciphertext from client %d: %w", ErrMalformed, e.Peer, err)
		}
		ps, err := derivePair(shared, c.p.Round, e.Peer, c.id)
		if err != nil {
			return nil, err
		}
		pairs[e.Peer] = ps
	}
	for v, ps := range c.pairs {
		if _, ok := slices.BinarySearch(d.Active, v); ok {
			pairs[v] = ps
		} else {
			clear(ps.mask[:])
			clear(ps.enc[:])
		}
	}
	msg, own, err := c.shareSecrets(d.Active, pairs)
	if err != nil {
		return nil, err
	}
	c.pairs, c.active, c.ownShare = pairs, slices.Clone(d.Active), own
	c.kem = nil // the KEM key is not needed any more
	c.phase = clientShared
	return msg, nil
}

// shareSecrets draws b_u and r_u, splits them among the client and its
// active neighbours, and builds the round-2 message. It returns the
// client's own share of b_u. b_u itself is kept in the client's own
// polynomial only until masking; see mask.
func (c *Client) shareSecrets(active []ClientID, pairs map[ClientID]*pairSecrets) (*ShareKeys, elt, error) {
	b, err := randomElt(c.rand)
	if err != nil {
		return nil, elt{}, err
	}
	r, err := randomElt(c.rand)
	if err != nil {
		return nil, elt{}, err
	}
	fb, err := newPolynomial(c.rand, b, c.p.Threshold)
	if err != nil {
		return nil, elt{}, err
	}
	defer fb.wipe()
	fr, err := newPolynomial(c.rand, r, c.p.Threshold)
	if err != nil {
		return nil, elt{}, err
	}
	defer fr.wipe()
	msg := &ShareKeys{Round: c.p.Round, From: c.id, Shares: make([]OutgoingShare, 0, len(active))}
	var pt [2 * SecretSize]byte
	defer clear(pt[:])
	rk := [SecretSize]byte(r)
	defer clear(rk[:])
	for _, v := range active {
		sb, sr := fb.eval(v), fr.eval(v)
		copy(pt[:SecretSize], sb[:])
		copy(pt[SecretSize:], sr[:])
		ps := pairs[v]
		msg.Shares = append(msg.Shares, OutgoingShare{
			To:         v,
			Ciphertext: seal(&ps.enc, c.id, adFor(labelShareAD, c.p.Round, c.id, v), pt[:]),
			Escrow:     seal(&rk, v, adFor(labelEscrowAD, c.p.Round, c.id, v), ps.mask[:]),
		})
	}
	c.selfMask = [SecretSize]byte(b)
	return msg, fb.eval(c.id), nil
}

// checkPeers checks that peers ascend and are all in allowed.
func (c *Client) checkPeers(what string, peers, allowed []ClientID) error {
	if err := checkAscending(peers); err != nil {
		return fmt.Errorf("%w: %s list: %w", ErrMalformed, what, err)
	}
	for _, v := range peers {
		if _, ok := slices.BinarySearch(allowed, v); !ok {
			return fmt.Errorf("%w: %s client %d is not a neighbour of client %d", ErrUnknownClient, what, v, c.id)
		}
	}
	return nil
}
