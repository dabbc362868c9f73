package secagg

import (
	"fmt"
	"math"
	"math/bits"
)

// ClientID names a client in a round. It is also the client's Shamir
// evaluation point, so it must not be zero.
type ClientID uint32

// Params are the public parameters of one aggregation round. The server and
// every client must be configured with the same values; the server repeats
// them in the Roster and a client refuses a roster that disagrees.
type Params struct {
	// Round identifies the round. It is bound into every key derivation,
	// every associated data and every message, so nothing from one round
	// can be replayed in another. Use a fresh value for every round.
	Round uint64
	// Dim is the length d of every input vector, 1..MaxDim.
	Dim int
	// Threshold is t: the number of shares that reconstruct a secret, and
	// the least number of clients that must survive each phase. It must
	// be at least 2 and more than half of each client's share holders
	// (the client and its neighbours), so that no server can collect t
	// shares of both kinds for one client.
	Threshold int
	// Neighbours is k, the degree of the SecAgg+ neighbour graph: each
	// client masks with and shares its secrets among only k peers (k even,
	// a random Harary graph). Zero selects the complete graph of the
	// original protocol, as does any k >= n-1.
	Neighbours int
	// Clip is c: every coordinate is clipped to [-c, c] before
	// quantisation.
	Clip float64
	// Scale is the number of quantisation steps per unit: a coordinate x
	// becomes round((x+c)*Scale).
	Scale float64
}

// Validate checks the parameters that do not depend on the number of
// clients. Checks that do (overflow, threshold against the roster size)
// are made when the roster is fixed.
func (p Params) Validate() error {
	switch {
	case p.Dim < 1 || p.Dim > MaxDim:
		return fmt.Errorf("%w: Dim %d outside [1, %d]", ErrParams, p.Dim, MaxDim)
	case p.Threshold < 2 || p.Threshold > MaxClients:
		return fmt.Errorf("%w: Threshold %d outside [2, %d]", ErrParams, p.Threshold, MaxClients)
	case p.Neighbours < 0 || p.Neighbours > MaxClients || p.Neighbours%2 != 0:
		return fmt.Errorf("%w: Neighbours %d must be even and in [0, %d]", ErrParams, p.Neighbours, MaxClients)
	case p.Neighbours > 0 && p.Threshold > p.Neighbours+1:
		return fmt.Errorf("%w: Threshold %d exceeds the %d share holders of a client", ErrParams, p.Threshold, p.Neighbours+1)
	case p.Neighbours > 0 && 2*p.Threshold <= p.Neighbours+1:
		return fmt.Errorf("%w: Threshold %d is not more than half of the %d share holders", ErrParams, p.Threshold, p.Neighbours+1)
	}
	if _, err := NewQuantizer(p.Clip, p.Scale); err != nil {
		return err
	}
	return nil
}

// checkRoster checks the parameters against a roster of n clients.
func (p Params) checkRoster(n int) error {
	if n < p.Threshold {
		return fmt.Errorf("%w: %d clients, threshold %d", ErrBelowThreshold, n, p.Threshold)
	}
	if n > MaxClients {
		return fmt.Errorf("%w: %d clients, at most %d", ErrLimit, n, MaxClients)
	}
	if h := p.holders(n); 2*p.Threshold <= h {
		return fmt.Errorf("%w: Threshold %d is not more than half of the %d share holders", ErrParams, p.Threshold, h)
	}
	q, err := NewQuantizer(p.Clip, p.Scale)
	if err != nil {
		return err
	}
	return q.CheckClients(n)
}

// holders is the number of share holders of one client (itself and its
// neighbours) in a roster of n clients.
func (p Params) holders(n int) int {
	if p.Neighbours == 0 || p.Neighbours >= n-1 {
		return n
	}
	return p.Neighbours + 1
}

// DefaultThreshold returns ceil(2h/3) for h share holders per client (the
// roster size n for the complete graph, Neighbours+1 for a sparse one), and
// at least 2. It is more than h/2, as Params requires, and it lets the
// round survive floor(h/3) dropouts.
func DefaultThreshold(holders int) int {
	return max(2, (2*holders+2)/3)
}

// Quantizer maps float64 vectors to Z_2^32 and sums back. A coordinate x is
// clipped to [-Clip, Clip] and becomes round((x+Clip)*Scale), an integer in
// [0, Level]. A sum of n quantised vectors decodes to sum/Scale - n*Clip,
// which is within n/(2*Scale) of the sum of the clipped inputs.
type Quantizer struct {
	clip, scale float64
	level       uint64
}

// NewQuantizer returns the quantiser for clipping range [-clip, clip] and
// scale steps per unit.
func NewQuantizer(clip, scale float64) (*Quantizer, error) {
	if !(clip > 0 && clip <= MaxClip) || !(scale > 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("%w: Clip %v must be in (0, %g] and Scale %v positive and finite", ErrParams, clip, MaxClip, scale)
	}
	l := math.Round(2 * clip * scale)
	if l < 1 || l > MaxQuantLevel {
		return nil, fmt.Errorf("%w: 2*Clip*Scale = %v must round to [1, %d]", ErrParams, l, uint64(MaxQuantLevel))
	}
	return &Quantizer{clip: clip, scale: scale, level: uint64(l)}, nil
}

// Level returns the largest quantised value of one coordinate.
func (q *Quantizer) Level() uint64 { return q.level }

// CheckClients reports ErrOverflow unless n clients' largest inputs sum to
// less than 2^32, so that the aggregate decodes exactly.
func (q *Quantizer) CheckClients(n int) error {
	if n < 1 {
		return fmt.Errorf("%w: %d clients", ErrParams, n)
	}
	if hi, lo := bits.Mul64(uint64(n), q.level); hi != 0 || lo >= 1<<32 {
		return fmt.Errorf("%w: %d clients * level %d >= 2^32; lower Scale or Clip", ErrOverflow, n, q.level)
	}
	return nil
}

// Encode quantises x into dst, which must have the same length. NaN is
// refused; infinities are clipped like any other value.
func (q *Quantizer) Encode(dst []uint32, x []float64) error {
	if len(dst) != len(x) {
		return fmt.Errorf("%w: %d values for %d coordinates", ErrInput, len(x), len(dst))
	}
	for i, v := range x {
		if math.IsNaN(v) {
			return fmt.Errorf("%w: NaN at index %d", ErrInput, i)
		}
		v = min(max(v, -q.clip), q.clip)
		w := math.Round((v + q.clip) * q.scale)
		dst[i] = uint32(min(max(w, 0), float64(q.level)))
	}
	return nil
}

// Decode returns the float64 sum encoded by sum, the mod-2^32 sum of n
// quantised vectors.
func (q *Quantizer) Decode(sum []uint32, n int) []float64 {
	out := make([]float64, len(sum))
	off := float64(n) * q.clip
	for i, s := range sum {
		out[i] = float64(s)/q.scale - off
	}
	return out
}
