package dp

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Gaussian draws standard normal variates from a source of uniformly
// random bytes, such as crypto/rand.Reader. It reads the source in blocks
// of noiseBufferSize bytes and applies the Box–Muller transform to pairs of
// 53-bit uniforms, so every two variates cost 16 bytes. A Gaussian is not
// safe for concurrent use.
type Gaussian struct {
	r        io.Reader
	buf      [noiseBufferSize]byte
	off      int // next unread byte of buf; len(buf) when empty
	spare    float64
	hasSpare bool
}

// NewGaussian returns a Gaussian that reads randomness from r.
func NewGaussian(r io.Reader) *Gaussian {
	g := &Gaussian{r: r}
	g.off = len(g.buf)
	return g
}

// Normal returns a standard normal variate. The error wraps ErrRandomness
// if the source fails.
func (g *Gaussian) Normal() (float64, error) {
	if g.hasSpare {
		g.hasSpare = false
		return g.spare, nil
	}
	a, b, err := g.uint64Pair()
	if err != nil {
		return 0, err
	}
	// u1 in (0, 1] so that the logarithm is finite; u2 in [0, 1).
	u1 := float64(a>>11+1) / (1 << 53)
	u2 := float64(b>>11) / (1 << 53)
	r := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	g.spare, g.hasSpare = r*s, true
	return r * c, nil
}

// AddNoise adds independent N(0, std^2) noise to every element of v. std
// must be finite and >= 0. On error v holds partial noise and must be
// discarded.
func (g *Gaussian) AddNoise(v []float64, std float64) error {
	if !(std >= 0) || math.IsInf(std, 0) {
		return fmt.Errorf("%w: noise standard deviation %v", ErrInvalidParameter, std)
	}
	for j := range v {
		z, err := g.Normal()
		if err != nil {
			return err
		}
		v[j] += std * z
	}
	return nil
}

// uint64Pair returns the next 16 bytes of the source as two integers.
func (g *Gaussian) uint64Pair() (uint64, uint64, error) {
	if g.off+16 > len(g.buf) {
		if _, err := io.ReadFull(g.r, g.buf[:]); err != nil {
			g.off = len(g.buf)
			return 0, 0, fmt.Errorf("%w: %w", ErrRandomness, err)
		}
		g.off = 0
	}
	a := binary.LittleEndian.Uint64(g.buf[g.off:])
	b := binary.LittleEndian.Uint64(g.buf[g.off+8:])
	g.off += 16
	return a, b, nil
}
