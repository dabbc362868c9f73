package censor

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// ErrInvalidWindow reports a window outside [1, MaxLength] given to NewOffsets.
var ErrInvalidWindow = errors.New("censor: offset window outside [1, MaxLength]")

// ByteCounts is a histogram of byte values. The zero value is empty and ready to use.
type ByteCounts [byteValues]uint64

// Add counts every byte of p.
func (c *ByteCounts) Add(p []byte) {
	for _, b := range p {
		c[b]++
	}
}

// Total returns the number of bytes counted.
func (c *ByteCounts) Total() uint64 {
	var n uint64
	for _, k := range c {
		n += k
	}
	return n
}

// ChiSquare returns Pearson's chi-square statistic of the counts against the uniform
// distribution over the 256 byte values (255 degrees of freedom), or 0 with nothing counted.
// Uniformly random bytes give about 255 ± 23.
func (c *ByteCounts) ChiSquare() float64 {
	n := c.Total()
	if n == 0 {
		return 0
	}
	want := float64(n) / byteValues
	var x float64
	for _, k := range c {
		d := float64(k) - want
		x += d * d / want
	}
	return x
}

// ChiSquareP returns the p-value of ChiSquare: the probability that uniformly random bytes give
// a statistic at least as large (1 with nothing counted). A tiny p-value means the bytes are
// distinguishable from random; uniformly random bytes give a p-value uniform on [0, 1].
func (c *ByteCounts) ChiSquareP() float64 {
	if c.Total() == 0 {
		return 1
	}
	return distuv.ChiSquared{K: byteValues - 1}.Survival(c.ChiSquare())
}

// Entropy returns the Shannon entropy of the counted byte values in bits per byte (the plug-in
// estimate), between 0 and 8; 0 with nothing counted. The estimate is biased low with few samples:
// see UniformEntropy.
func (c *ByteCounts) Entropy() float64 {
	return entropy(c[:], c.Total())
}

// Mode returns the most frequent byte value (the smallest among equals) and the fraction of the
// counted bytes it makes up; 0 and 0 with nothing counted.
func (c *ByteCounts) Mode() (value byte, fraction float64) {
	n := c.Total()
	if n == 0 {
		return 0, 0
	}
	best := 0
	for v, k := range c {
		if k > c[best] {
			best = v
		}
	}
	return byte(best), float64(c[best]) / float64(n)
}

// UniformEntropy returns the plug-in entropy that n uniformly random bytes are expected to show:
// 8 bits less the Miller–Madow bias 255 / (2 n ln 2), a first-order approximation that is good
// when n is well above 256. It is the yardstick for Entropy and Offsets.MinEntropy.
func UniformEntropy(n uint64) float64 {
	if n == 0 {
		return 0
	}
	return 8 - (byteValues-1)/(2*float64(n)*math.Ln2)
}

// entropy returns the Shannon entropy in bits of the distribution given by counts summing to n.
func entropy(counts []uint64, n uint64) float64 {
	if n == 0 {
		return 0
	}
	var h float64
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return max(h, 0)
}

// Offsets holds a ByteCounts for each of the first offsets of many samples: what a passive
// observer learns about each position of a protocol's datagrams. A byte value that dominates an
// offset (a type field, reserved zeros) is a fingerprint. Make one with NewOffsets.
type Offsets struct {
	counts []ByteCounts
}

// FixedByte is an offset dominated by one byte value.
type FixedByte struct {
	// Offset is the position in the sample.
	Offset int
	// Value is the most frequent byte at Offset.
	Value byte
	// Fraction is the share of the samples long enough to reach Offset that have Value there.
	Fraction float64
	// Samples is the number of samples that reach Offset.
	Samples uint64
}

// NewOffsets returns an empty Offsets that counts the first window offsets of each sample.
func NewOffsets(window int) (*Offsets, error) {
	if window < 1 || window > MaxLength {
		return nil, fmt.Errorf("%w: %d", ErrInvalidWindow, window)
	}
	return &Offsets{counts: make([]ByteCounts, window)}, nil
}

// Add counts the first bytes of sample, up to the window.
func (o *Offsets) Add(sample []byte) {
	for i, b := range sample[:min(len(sample), len(o.counts))] {
		o.counts[i][b]++
	}
}

// Window returns the number of offsets counted.
func (o *Offsets) Window() int { return len(o.counts) }

// At returns the histogram of offset i, or an empty one outside the window.
func (o *Offsets) At(i int) ByteCounts {
	if i < 0 || i >= len(o.counts) {
		return ByteCounts{}
	}
	return o.counts[i]
}

// MinEntropy returns the offset of lowest entropy among those reached by at least minSamples
// samples, and that entropy; -1 and 0 if no offset qualifies.
func (o *Offsets) MinEntropy(minSamples uint64) (offset int, bits float64) {
	offset, bits = -1, 0
	for i := range o.counts {
		c := &o.counts[i]
		if c.Total() < max(minSamples, 1) {
			continue
		}
		if h := c.Entropy(); offset < 0 || h < bits {
			offset, bits = i, h
		}
	}
	return offset, bits
}

// FixedBytes returns, in offset order, every offset reached by at least minSamples samples whose
// most frequent byte value makes up at least minFraction of them. Uniformly random bytes put about
// 1/256 of the samples on each value, so a minFraction of a few percent finds every fixed field
// and, with enough samples, nothing else.
func (o *Offsets) FixedBytes(minFraction float64, minSamples uint64) []FixedByte {
	var out []FixedByte
	for i := range o.counts {
		c := &o.counts[i]
		n := c.Total()
		if n < max(minSamples, 1) {
			continue
		}
		if v, f := c.Mode(); f >= minFraction {
			out = append(out, FixedByte{Offset: i, Value: v, Fraction: f, Samples: n})
		}
	}
	return out
}

// Lengths is a histogram of datagram lengths. The zero value is empty and ready to use; it holds
// one counter per distinct length, at most MaxLength + 1.
type Lengths struct {
	counts map[int]uint64
	total  uint64
}

// LengthCount is one bar of a Lengths histogram.
type LengthCount struct {
	// Len is the length.
	Len int
	// Count is how many samples had it.
	Count uint64
}

// Add counts one datagram of n bytes. Lengths outside [0, MaxLength] are counted as the nearest
// bound.
func (l *Lengths) Add(n int) {
	if l.counts == nil {
		l.counts = make(map[int]uint64)
	}
	l.counts[min(max(n, 0), MaxLength)]++
	l.total++
}

// Total returns the number of lengths counted.
func (l *Lengths) Total() uint64 { return l.total }

// Distinct returns the number of distinct lengths counted.
func (l *Lengths) Distinct() int { return len(l.counts) }

// Range returns the shortest and longest lengths counted; 0 and 0 when empty.
func (l *Lengths) Range() (lo, hi int) {
	first := true
	for n := range l.counts {
		if first || n < lo {
			lo = n
		}
		if first || n > hi {
			hi = n
		}
		first = false
	}
	return lo, hi
}

// Entropy returns the Shannon entropy of the length distribution in bits: 0 when every datagram
// has the same length, log2(k) when k lengths are equally frequent.
func (l *Lengths) Entropy() float64 {
	counts := make([]uint64, 0, len(l.counts))
	for _, k := range l.counts {
		counts = append(counts, k)
	}
	return entropy(counts, l.total)
}

// Top returns the k most frequent lengths, most frequent first (shorter first among equals).
func (l *Lengths) Top(k int) []LengthCount {
	out := make([]LengthCount, 0, len(l.counts))
	for n, c := range l.counts {
		out = append(out, LengthCount{Len: n, Count: c})
	}
	slices.SortFunc(out, func(a, b LengthCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Len, b.Len)
	})
	return out[:min(max(k, 0), len(out))]
}
