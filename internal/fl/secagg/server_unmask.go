package secagg

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
)

// HandleMaskedInput adds a client's round-3 masked input to the running
// sum. Only clients that finished round 2 may send one.
func (s *Server) HandleMaskedInput(m *MaskedInput) error {
	if err := s.checkPhase(serverMasked, "HandleMaskedInput"); err != nil {
		return err
	}
	inU2 := func(id ClientID) bool { _, ok := slices.BinarySearch(s.u2, id); return ok }
	if err := s.checkSender(typeMaskedInput, m.Round, m.From, inU2, s.u3[m.From]); err != nil {
		return err
	}
	if len(m.Masked) != s.p.Dim {
		return fmt.Errorf("%w: masked input of client %d has %d coordinates, Dim is %d", ErrInput, m.From, len(m.Masked), s.p.Dim)
	}
	for i, w := range m.Masked {
		s.sum[i] += w
	}
	s.u3[m.From] = true
	return nil
}

// UnmaskRequests closes round 3 and returns one request for each client
// whose masked input was received, by ascending recipient. Each request
// lists as Alive the recipient and its neighbours in U3, and as Dropped its
// neighbours that finished round 2 but sent no masked input. The two lists
// are disjoint by construction: the server never asks a client for both
// shares of one peer. Fewer than Threshold masked inputs give
// ErrBelowThreshold, and the round cannot be finished.
func (s *Server) UnmaskRequests() ([]*UnmaskRequest, error) {
	if err := s.checkPhase(serverMasked, "UnmaskRequests"); err != nil {
		return nil, err
	}
	if len(s.u3) < s.p.Threshold {
		return nil, fmt.Errorf("%w: %d masked inputs, threshold %d", ErrBelowThreshold, len(s.u3), s.p.Threshold)
	}
	u3 := slices.Sorted(maps.Keys(s.u3))
	s.req = make(map[ClientID]*UnmaskRequest, len(u3))
	out := make([]*UnmaskRequest, 0, len(u3))
	for _, v := range u3 {
		r := &UnmaskRequest{Round: s.p.Round, To: v}
		for _, u := range s.activeNeighbours(v, s.u2) {
			if s.u3[u] {
				r.Alive = append(r.Alive, u)
			} else {
				r.Dropped = append(r.Dropped, u)
			}
		}
		i, _ := slices.BinarySearch(r.Alive, v)
		r.Alive = slices.Insert(r.Alive, i, v)
		s.req[v] = r
		out = append(out, r)
	}
	s.resp = make(map[ClientID]*UnmaskResponse)
	s.phase = serverUnmask
	return out, nil
}

// HandleUnmaskResponse records a client's round-4 shares. They must answer
// exactly the request sent to that client.
func (s *Server) HandleUnmaskResponse(m *UnmaskResponse) error {
	if err := s.checkPhase(serverUnmask, "HandleUnmaskResponse"); err != nil {
		return err
	}
	_, seen := s.resp[m.From]
	if err := s.checkSender(typeUnmaskResponse, m.Round, m.From, func(id ClientID) bool { return s.req[id] != nil }, seen); err != nil {
		return err
	}
	r := s.req[m.From]
	want := make(map[ClientID]ShareKind, len(r.Alive)+len(r.Dropped))
	for _, v := range r.Alive {
		want[v] = SelfMaskShare
	}
	for _, v := range r.Dropped {
		want[v] = RecoveryShare
	}
	if len(m.Shares) != len(want) {
		return fmt.Errorf("%w: client %d revealed %d shares, %d requested", ErrInconsistent, m.From, len(m.Shares), len(want))
	}
	for _, e := range m.Shares {
		if k, ok := want[e.Owner]; !ok || k != e.Kind {
			return fmt.Errorf("%w: client %d revealed a %v share of client %d, which was not requested", ErrInconsistent, m.From, e.Kind, e.Owner)
		}
		if v := elt(e.Share); !canonical(&v) {
			return fmt.Errorf("%w: client %d revealed a share of client %d that is not a field element", ErrMalformed, m.From, e.Owner)
		}
		delete(want, e.Owner)
	}
	s.resp[m.From] = m
	return nil
}

// point is a share: the holder's ID and the value of the polynomial there.
type point struct {
	x ClientID
	y elt
}

// Finish reconstructs the self-mask seed of every client in U3 and the
// recovery key of every client that dropped after round 2, removes the
// masks and returns the result. Each secret needs Threshold shares from
// the responses received so far; if some secret has fewer, Finish returns
// ErrBelowThreshold and can be called again after more responses.
func (s *Server) Finish() (*Result, error) {
	if err := s.checkPhase(serverUnmask, "Finish"); err != nil {
		return nil, err
	}
	if len(s.resp) < s.p.Threshold {
		return nil, fmt.Errorf("%w: %d unmasking responses, threshold %d", ErrBelowThreshold, len(s.resp), s.p.Threshold)
	}
	points := make(map[ClientID][]point) // by owner; the kind follows from U3
	for _, from := range slices.Sorted(maps.Keys(s.resp)) {
		for _, e := range s.resp[from].Shares {
			points[e.Owner] = append(points[e.Owner], point{x: from, y: elt(e.Share)})
		}
	}
	rec := newReconstructor(s.p.Threshold)
	sum := slices.Clone(s.sum)
	for _, u := range slices.Sorted(maps.Keys(s.u3)) {
		b, err := rec.secret(u, SelfMaskShare, points[u])
		if err != nil {
			return nil, err
		}
		key := [SecretSize]byte(b)
		addMask(sum, &key, true)
		clear(key[:])
	}
	for _, u := range s.u2 {
		if s.u3[u] {
			continue
		}
		if err := s.removeDropped(sum, u, rec, points[u]); err != nil {
			return nil, err
		}
	}
	contributors := slices.Sorted(maps.Keys(s.u3))
	s.phase = serverDone
	return &Result{Contributors: contributors, Sum: sum, Values: s.q.Decode(sum, len(contributors))}, nil
}

// removeDropped reconstructs the recovery key of u, which sent shares but
// no masked input, opens the escrows of u's pairwise mask seeds with the
// survivors, and removes those masks from sum: survivor v added +PRG(s_uv)
// if u > v and -PRG(s_uv) if u < v.
func (s *Server) removeDropped(sum []uint32, u ClientID, rec *reconstructor, pts []point) error {
	r, err := rec.secret(u, RecoveryShare, pts)
	if err != nil {
		return err
	}
	rk := [SecretSize]byte(r)
	defer clear(rk[:])
	for _, v := range s.activeNeighbours(u, s.u2) {
		if !s.u3[v] {
			continue
		}
		e, _ := s.outgoing(u, v)
		seed, err := open(&rk, v, adFor(labelEscrowAD, s.p.Round, u, v), e.Escrow)
		if err != nil {
			return fmt.Errorf("escrow of pair (%d, %d): recovery key of client %d reconstructed wrongly (bad shares?): %w", u, v, u, err)
		}
		key := [SecretSize]byte(seed)
		addMask(sum, &key, u > v)
		clear(key[:])
		clear(seed)
	}
	return nil
}

// reconstructor interpolates secrets from t shares, caching the Lagrange
// coefficients of each set of holders (with the complete graph, every
// secret has the same holders).
type reconstructor struct {
	t     int
	cache map[string][]elt
}

// newReconstructor returns a reconstructor for threshold t.
func newReconstructor(t int) *reconstructor {
	return &reconstructor{t: t, cache: make(map[string][]elt)}
}

// secret interpolates the secret of owner from the first t of pts, which
// are sorted by holder.
func (r *reconstructor) secret(owner ClientID, kind ShareKind, pts []point) (elt, error) {
	if len(pts) < r.t {
		return elt{}, fmt.Errorf("%w: %d %v shares of client %d, threshold %d", ErrBelowThreshold, len(pts), kind, owner, r.t)
	}
	pts = pts[:r.t]
	xs := make([]ClientID, r.t)
	ys := make([]elt, r.t)
	key := make([]byte, 0, 4*r.t)
	for i, p := range pts {
		xs[i], ys[i] = p.x, p.y
		key = binary.BigEndian.AppendUint32(key, uint32(p.x))
	}
	l, ok := r.cache[string(key)]
	if !ok {
		l = lagrangeAtZero(xs)
		r.cache[string(key)] = l
	}
	return interpolate(l, ys), nil
}
