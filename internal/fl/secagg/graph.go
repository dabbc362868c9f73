package secagg

import (
	"encoding/binary"
	"slices"

	"golang.org/x/crypto/chacha20"
)

// graph is the communication graph of a round: who masks with and shares
// secrets among whom. The complete graph is the original protocol of
// Bonawitz et al.; a sparse graph is SecAgg+ (Bell et al. 2020): a Harary
// graph H(n, k) over a random permutation of the roster, in which each
// client is adjacent to the k/2 clients before and after it on a cycle.
// The permutation comes from a public seed chosen by the server.
type graph struct {
	ids      []ClientID       // the roster, ascending
	complete bool             // every pair is adjacent
	half     int              // k/2
	pos      map[ClientID]int // position on the permuted cycle
	cycle    []ClientID       // the permutation
}

// newGraph builds the graph of the roster ids (ascending, distinct) for
// degree k (0: complete) and seed.
func newGraph(ids []ClientID, k int, round uint64, seed *[GraphSeedSize]byte) *graph {
	g := &graph{ids: ids}
	n := len(ids)
	if k == 0 || k >= n-1 {
		g.complete = true
		return g
	}
	g.half = k / 2
	g.cycle = slices.Clone(ids)
	var nonce [chacha20.NonceSize]byte
	binary.BigEndian.PutUint64(nonce[4:], round)
	c, err := chacha20.NewUnauthenticatedCipher(seed[:], nonce[:])
	if err != nil {
		// Unreachable: seed and nonce have the sizes ChaCha20 requires.
		panic("secagg: chacha20: " + err.Error())
	}
	// Fisher-Yates with unbiased draws by rejection.
	for i := n - 1; i > 0; i-- {
		j := uniform(c, uint32(i+1))
		g.cycle[i], g.cycle[j] = g.cycle[j], g.cycle[i]
	}
	g.pos = make(map[ClientID]int, n)
	for i, id := range g.cycle {
		g.pos[id] = i
	}
	return g
}

// uniform returns a uniform integer in [0, n) from the keystream of c.
func uniform(c *chacha20.Cipher, n uint32) uint32 {
	limit := -n % n // 2^32 mod n: draws below it are rejected
	var b [4]byte
	for {
		clear(b[:])
		c.XORKeyStream(b[:], b[:])
		if r := binary.LittleEndian.Uint32(b[:]); r >= limit {
			return r % n
		}
	}
}

// adjacent reports whether distinct roster members u and v are neighbours.
func (g *graph) adjacent(u, v ClientID) bool {
	if u == v {
		return false
	}
	if g.complete {
		return true
	}
	d := g.pos[u] - g.pos[v]
	if d < 0 {
		d = -d
	}
	return min(d, len(g.cycle)-d) <= g.half
}

// neighbours returns the neighbours of roster member u, ascending.
func (g *graph) neighbours(u ClientID) []ClientID {
	if g.complete {
		out := make([]ClientID, 0, len(g.ids)-1)
		for _, v := range g.ids {
			if v != u {
				out = append(out, v)
			}
		}
		return out
	}
	n := len(g.cycle)
	p := g.pos[u]
	out := make([]ClientID, 0, 2*g.half)
	for d := 1; d <= g.half; d++ {
		out = append(out, g.cycle[(p+d)%n], g.cycle[(p-d+n)%n])
	}
	slices.Sort(out)
	return slices.Compact(out)
}
