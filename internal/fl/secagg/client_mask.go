package secagg

import (
	"fmt"
	"slices"
)

// HandleShareDelivery decrypts the shares sent by the neighbours that
// finished round 2 and returns the round-3 message: the quantised input
// plus the self mask PRG(b_u) plus, for each such neighbour v, +PRG(s_uv)
// if v > u and -PRG(s_uv) if v < u, all modulo 2^32. The input must have
// Params.Dim values; they are clipped to [-Clip, Clip]. Afterwards the
// client forgets b_u and every pairwise secret.
func (c *Client) HandleShareDelivery(d *ShareDelivery, input []float64) (*MaskedInput, error) {
	if err := c.checkPhase(clientShared, "HandleShareDelivery"); err != nil {
		return nil, err
	}
	if err := c.checkAddress(typeShareDelivery, d.Round, d.To); err != nil {
		return nil, err
	}
	if len(input) != c.p.Dim {
		return nil, fmt.Errorf("%w: %d values, Dim is %d", ErrInput, len(input), c.p.Dim)
	}
	peers := make([]ClientID, len(d.Shares))
	for i, e := range d.Shares {
		peers[i] = e.Peer
	}
	if err := c.checkPeers("share", peers, c.active); err != nil {
		return nil, err
	}
	if len(peers)+1 < c.p.Threshold {
		return nil, fmt.Errorf("%w: client %d got shares from %d neighbours, threshold %d", ErrBelowThreshold, c.id, len(peers), c.p.Threshold)
	}
	held := make(map[ClientID]*heldShares, len(peers))
	for _, e := range d.Shares {
		h, err := c.openShares(e)
		if err != nil {
			return nil, err
		}
		held[e.Peer] = h
	}
	y := make([]uint32, c.p.Dim)
	if err := c.q.Encode(y, input); err != nil {
		return nil, err
	}
	addMask(y, &c.selfMask, false)
	for _, v := range peers {
		addMask(y, &c.pairs[v].mask, v < c.id)
	}
	c.forgetMasks()
	c.held, c.maskedWith = held, peers
	c.revealed = make(map[ClientID]ShareKind, len(peers)+1)
	c.phase = clientMasked
	return &MaskedInput{Round: c.p.Round, From: c.id, Masked: y}, nil
}

// openShares authenticates and decrypts the shares peer e.Peer sent.
func (c *Client) openShares(e PeerCiphertext) (*heldShares, error) {
	if len(e.Ciphertext) != ShareCiphertextSize {
		return nil, fmt.Errorf("%w: share ciphertext from client %d is %d bytes, want %d", ErrMalformed, e.Peer, len(e.Ciphertext), ShareCiphertextSize)
	}
	pt, err := open(&c.pairs[e.Peer].enc, e.Peer, adFor(labelShareAD, c.p.Round, e.Peer, c.id), e.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("shares from client %d: %w", e.Peer, err)
	}
	defer clear(pt)
	h := &heldShares{selfMask: elt(pt[:SecretSize]), recovery: elt(pt[SecretSize:])}
	if !canonical(&h.selfMask) || !canonical(&h.recovery) {
		return nil, fmt.Errorf("%w: shares from client %d are not field elements", ErrMalformed, e.Peer)
	}
	return h, nil
}

// forgetMasks wipes b_u and the pairwise secrets once the input is masked:
// from now on only shares can reveal them.
func (c *Client) forgetMasks() {
	clear(c.selfMask[:])
	for v, ps := range c.pairs {
		clear(ps.mask[:])
		clear(ps.enc[:])
		delete(c.pairs, v)
	}
}

// HandleUnmaskRequest answers the server's round-4 request with the
// client's own self-mask share, the self-mask shares of the Alive peers
// and the recovery shares of the Dropped peers.
//
// It enforces the core privacy rule: it refuses (ErrDoubleReveal) a
// request that names a peer in both lists, or that asks for a different
// kind of share about a peer than an earlier request did. A repeated
// identical request is answered again, so a lost response can be
// re-requested. It also refuses requests naming clients it holds no shares
// of, requests that do not list the client itself as alive, and requests
// with fewer than Threshold alive clients.
func (c *Client) HandleUnmaskRequest(r *UnmaskRequest) (*UnmaskResponse, error) {
	if err := c.checkPhase(clientMasked, "HandleUnmaskRequest"); err != nil {
		return nil, err
	}
	if err := c.checkAddress(typeUnmaskRequest, r.Round, r.To); err != nil {
		return nil, err
	}
	for _, l := range [][]ClientID{r.Alive, r.Dropped} {
		if err := checkAscending(l); err != nil {
			return nil, fmt.Errorf("%w: unmask request: %w", ErrMalformed, err)
		}
	}
	want := make(map[ClientID]ShareKind, len(r.Alive)+len(r.Dropped))
	for _, v := range r.Alive {
		want[v] = SelfMaskShare
	}
	for _, v := range r.Dropped {
		if _, both := want[v]; both {
			return nil, fmt.Errorf("%w: client %d is listed as alive and dropped", ErrDoubleReveal, v)
		}
		want[v] = RecoveryShare
	}
	if want[c.id] != SelfMaskShare {
		return nil, fmt.Errorf("%w: unmask request does not list client %d itself as alive", ErrInconsistent, c.id)
	}
	if len(r.Alive) < c.p.Threshold {
		return nil, fmt.Errorf("%w: %d alive clients, threshold %d", ErrBelowThreshold, len(r.Alive), c.p.Threshold)
	}
	for v, k := range want {
		if _, ok := c.held[v]; !ok && v != c.id {
			return nil, fmt.Errorf("%w: client %d holds no shares of client %d", ErrUnknownClient, c.id, v)
		}
		if prev, ok := c.revealed[v]; ok && prev != k {
			return nil, fmt.Errorf("%w: client %d: %v share already revealed, %v share requested", ErrDoubleReveal, v, prev, k)
		}
	}
	owners := make([]ClientID, 0, len(want))
	for v := range want {
		owners = append(owners, v)
	}
	slices.Sort(owners)
	resp := &UnmaskResponse{Round: c.p.Round, From: c.id, Shares: make([]RevealedShare, 0, len(owners))}
	for _, v := range owners {
		k := want[v]
		c.revealed[v] = k
		var s elt
		switch {
		case v == c.id:
			s = c.ownShare
		case k == SelfMaskShare:
			s = c.held[v].selfMask
		default:
			s = c.held[v].recovery
		}
		resp.Shares = append(resp.Shares, RevealedShare{Owner: v, Kind: k, Share: s})
	}
	return resp, nil
}

// String names k.
func (k ShareKind) String() string {
	switch k {
	case SelfMaskShare:
		return "self-mask"
	case RecoveryShare:
		return "recovery"
	}
	return fmt.Sprintf("kind %d", uint8(k))
}
