package secagg

import (
	"encoding"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
)

// failer is the part of testing.TB that *rapid.T also has.
type failer interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// testRand returns a deterministic io.Reader for tests. ML-KEM draws its
// own randomness from the operating system, so rounds are not bit-for-bit
// reproducible; everything else is.
func testRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return rand.NewChaCha8(s)
}

// testParams returns valid parameters for n clients of dimension d with
// the default threshold.
func testParams(n, d, k int) Params {
	h := n
	if k > 0 && k < n-1 {
		h = k + 1
	}
	return Params{Round: 7, Dim: d, Threshold: DefaultThreshold(h), Neighbours: k, Clip: 1, Scale: 1 << 16}
}

// wire sends m through its binary encoding, as a transport would, and
// returns the decoded copy and the encoded size.
func wire[M any, P interface {
	*M
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}](tb failer, m P) (P, int) {
	tb.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		tb.Fatalf("marshal %T: %v", m, err)
	}
	out := P(new(M))
	if err := out.UnmarshalBinary(b); err != nil {
		tb.Fatalf("unmarshal %T: %v", m, err)
	}
	return out, len(b)
}

// Drop stages: a client that drops at stage s sends the messages of the
// stages before s and nothing from s on.
const (
	stayAlive       = 0
	dropBeforeKeys  = 1 // advertised only
	dropBeforeShare = 2 // sent key ciphertexts, no shares
	dropBeforeMask  = 3 // sent shares, no masked input ("after masking" setup)
	dropBeforeReply = 4 // sent masked input, no unmask response
)

// round is one simulated round: real clients and a real server, every
// message passed through its encoding.
type round struct {
	p       Params
	ids     []ClientID
	clients map[ClientID]*Client
	server  *Server
	inputs  map[ClientID][]float64
	drop    map[ClientID]int
	sent    map[ClientID]int // bytes sent by each client
	trans   transcript
}

// transcript is everything the server received.
type transcript struct {
	masked    map[ClientID][]uint32
	shareKeys map[ClientID]*ShareKeys
	responses []*UnmaskResponse
}

// newRound sets up n clients with IDs 1..n (or ids if given), random
// inputs in [-1.2, 1.2] (some clipped) and the drop stages in drop.
func newRound(tb failer, p Params, n int, drop map[ClientID]int, seed uint64) *round {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	r := &round{p: p, clients: map[ClientID]*Client{}, inputs: map[ClientID][]float64{},
		drop: drop, sent: map[ClientID]int{}}
	r.trans.masked = map[ClientID][]uint32{}
	r.trans.shareKeys = map[ClientID]*ShareKeys{}
	srv, err := NewServer(p)
	if err != nil {
		tb.Fatal(err)
	}
	r.server = srv
	for i := 1; i <= n; i++ {
		id := ClientID(i*3 + 1) // not contiguous, not starting at 1
		c, err := NewClient(p, id, testRand(seed*1000+uint64(i)))
		if err != nil {
			tb.Fatal(err)
		}
		r.ids = append(r.ids, id)
		r.clients[id] = c
		x := make([]float64, p.Dim)
		for j := range x {
			x[j] = (rng.Float64()*2 - 1) * 1.2
		}
		r.inputs[id] = x
	}
	return r
}

// alive reports whether client id still sends at stage s.
func (r *round) alive(id ClientID, s int) bool {
	d := r.drop[id]
	return d == stayAlive || s < d
}

// run executes the round up to the result.
func (r *round) run(tb failer) (*Result, error) {
	tb.Helper()
	for _, id := range r.ids {
		m, err := r.clients[id].Advertise()
		if err != nil {
			tb.Fatal(err)
		}
		m, n := wire(tb, m)
		r.sent[id] += n
		if err := r.server.HandleAdvertise(m); err != nil {
			tb.Fatal(err)
		}
	}
	roster, err := r.server.Roster(testRand(1))
	if err != nil {
		return nil, err
	}
	roster, _ = wire(tb, roster)
	for _, id := range r.ids {
		if !r.alive(id, dropBeforeKeys) {
			continue
		}
		m, err := r.clients[id].HandleRoster(roster)
		if err != nil {
			tb.Fatal(err)
		}
		m, n := wire(tb, m)
		r.sent[id] += n
		if err := r.server.HandleKeyCiphertexts(m); err != nil {
			tb.Fatal(err)
		}
	}
	kd, err := r.server.KeyDeliveries()
	if err != nil {
		return nil, err
	}
	for _, d := range kd {
		if !r.alive(d.To, dropBeforeShare) {
			continue
		}
		d, _ = wire(tb, d)
		m, err := r.clients[d.To].HandleKeyDelivery(d)
		if err != nil {
			return nil, err
		}
		m, n := wire(tb, m)
		r.sent[d.To] += n
		r.trans.shareKeys[m.From] = m
		if err := r.server.HandleShareKeys(m); err != nil {
			tb.Fatal(err)
		}
	}
	sd, err := r.server.ShareDeliveries()
	if err != nil {
		return nil, err
	}
	for _, d := range sd {
		if !r.alive(d.To, dropBeforeMask) {
			continue
		}
		d, _ = wire(tb, d)
		m, err := r.clients[d.To].HandleShareDelivery(d, r.inputs[d.To])
		if err != nil {
			return nil, err
		}
		m, n := wire(tb, m)
		r.sent[d.To] += n
		r.trans.masked[m.From] = slices.Clone(m.Masked)
		if err := r.server.HandleMaskedInput(m); err != nil {
			tb.Fatal(err)
		}
	}
	reqs, err := r.server.UnmaskRequests()
	if err != nil {
		return nil, err
	}
	for _, q := range reqs {
		if !r.alive(q.To, dropBeforeReply) {
			continue
		}
		q, _ = wire(tb, q)
		m, err := r.clients[q.To].HandleUnmaskRequest(q)
		if err != nil {
			return nil, err
		}
		m, n := wire(tb, m)
		r.sent[q.To] += n
		r.trans.responses = append(r.trans.responses, m)
		if err := r.server.HandleUnmaskResponse(m); err != nil {
			tb.Fatal(err)
		}
	}
	return r.server.Finish()
}

// plainSum returns the sum modulo 2^32 of the quantised inputs of the
// clients that sent a masked input, and those clients.
func (r *round) plainSum(tb failer) ([]uint32, []ClientID) {
	tb.Helper()
	q, err := NewQuantizer(r.p.Clip, r.p.Scale)
	if err != nil {
		tb.Fatal(err)
	}
	sum := make([]uint32, r.p.Dim)
	x := make([]uint32, r.p.Dim)
	var ids []ClientID
	for _, id := range r.ids {
		if !r.alive(id, dropBeforeMask) {
			continue
		}
		ids = append(ids, id)
		if err := q.Encode(x, r.inputs[id]); err != nil {
			tb.Fatal(err)
		}
		for i, v := range x {
			sum[i] += v
		}
	}
	return sum, ids
}

// mustErr fails unless err wraps want.
func mustErr(tb failer, err, want error) {
	tb.Helper()
	if !errors.Is(err, want) {
		tb.Fatalf("err = %v, want %v", err, want)
	}
}

// nan returns a NaN without a constant expression.
func nan() float64 {
	var z float64
	return z / z
}
