package censor

import (
	"crypto/rand"
	"errors"
	"math"
	"testing"
)

func TestByteCounts(t *testing.T) {
	var empty ByteCounts
	if empty.Total() != 0 || empty.ChiSquare() != 0 || empty.ChiSquareP() != 1 || empty.Entropy() != 0 {
		t.Fatal("empty histogram")
	}
	if v, f := empty.Mode(); v != 0 || f != 0 {
		t.Fatal("empty mode")
	}

	var all ByteCounts
	for v := range 256 {
		all.Add([]byte{byte(v), byte(v)})
	}
	if all.Total() != 512 || all.ChiSquare() != 0 || all.ChiSquareP() != 1 || all.Entropy() != 8 {
		t.Fatalf("every value twice: total %d, chi2 %v, p %v, H %v", all.Total(), all.ChiSquare(), all.ChiSquareP(), all.Entropy())
	}

	var zeros ByteCounts
	zeros.Add(make([]byte, 256))
	// Expected 1 per value: (256-1)²/1 for value 0 plus 255 × 1 for the others.
	if got := zeros.ChiSquare(); got != 255*255+255 {
		t.Fatalf("chi2 of zeros = %v", got)
	}
	if zeros.ChiSquareP() > 1e-100 || zeros.Entropy() != 0 {
		t.Fatalf("zeros: p %v, H %v", zeros.ChiSquareP(), zeros.Entropy())
	}
	if v, f := zeros.Mode(); v != 0 || f != 1 {
		t.Fatalf("mode %d %v", v, f)
	}

	var two ByteCounts
	two.Add([]byte{1, 2, 2, 2})
	if v, f := two.Mode(); v != 2 || f != 0.75 {
		t.Fatalf("mode %d %v", v, f)
	}
	// H = -(1/4 log2 1/4 + 3/4 log2 3/4) ≈ 0.8113.
	if h := two.Entropy(); math.Abs(h-0.811278) > 1e-5 {
		t.Fatalf("entropy %v", h)
	}
}

func TestByteCountsRandom(t *testing.T) {
	buf := make([]byte, 1<<20)
	rand.Read(buf)
	var c ByteCounts
	c.Add(buf)
	// The p-value of random bytes is uniform on [0, 1]: this fails once in a million runs.
	if p := c.ChiSquareP(); p < 1e-6 {
		t.Fatalf("chi2 %v, p %v for crypto/rand bytes", c.ChiSquare(), p)
	}
	if h, want := c.Entropy(), UniformEntropy(c.Total()); math.Abs(h-want) > 1e-3 {
		t.Fatalf("entropy %v, expected about %v", h, want)
	}
	// A single biased byte value in a thousand is visible.
	for i := range buf {
		if i%1000 == 0 {
			buf[i] = 0
		}
	}
	var b ByteCounts
	b.Add(buf)
	if p := b.ChiSquareP(); p > 1e-9 {
		t.Fatalf("a 0.1%% bias on one value went unnoticed: p %v", p)
	}
}

func TestUniformEntropy(t *testing.T) {
	if UniformEntropy(0) != 0 {
		t.Fatal("UniformEntropy(0)")
	}
	// Against the mean of real random samples: 10,000 bytes, 50 times.
	const n, rounds = 10000, 50
	buf := make([]byte, n)
	var sum float64
	for range rounds {
		rand.Read(buf)
		var c ByteCounts
		c.Add(buf)
		sum += c.Entropy()
	}
	if got, want := sum/rounds, UniformEntropy(n); math.Abs(got-want) > 0.003 {
		t.Fatalf("mean entropy of %d random bytes %v, UniformEntropy %v", n, got, want)
	}
}

func TestOffsets(t *testing.T) {
	for _, w := range []int{0, -1, MaxLength + 1} {
		if _, err := NewOffsets(w); !errors.Is(err, ErrInvalidWindow) {
			t.Errorf("NewOffsets(%d) = %v", w, err)
		}
	}
	o, err := NewOffsets(16)
	if err != nil {
		t.Fatal(err)
	}
	if off, h := o.MinEntropy(1); off != -1 || h != 0 {
		t.Fatal("MinEntropy of nothing")
	}
	// A fingerprint: type 0x05 at offset 0, zero at offset 3, random elsewhere; half the
	// samples end after 8 bytes.
	const n = 4000
	sample := make([]byte, 32)
	for i := range n {
		rand.Read(sample)
		sample[0], sample[3] = 0x05, 0
		if i%2 == 0 {
			o.Add(sample[:8])
		} else {
			o.Add(sample)
		}
	}
	if o.Window() != 16 {
		t.Fatal("window")
	}
	got := o.FixedBytes(0.05, n/4)
	if len(got) != 2 || got[0] != (FixedByte{0, 0x05, 1, n}) || got[1] != (FixedByte{3, 0, 1, n}) {
		t.Fatalf("fixed bytes %+v", got)
	}
	if off, h := o.MinEntropy(n); off != 0 || h != 0 {
		t.Fatalf("MinEntropy = %d, %v", off, h)
	}
	// Offsets 8 to 15 saw half the samples; with minSamples above that they are ignored.
	if c := o.At(12); c.Total() != n/2 {
		t.Fatalf("offset 12 counted %d", c.Total())
	}
	if c := o.At(16); c.Total() != 0 {
		t.Fatal("At outside the window")
	}
	if c := o.At(-1); c.Total() != 0 {
		t.Fatal("At(-1)")
	}
	for _, f := range o.FixedBytes(0.05, n/2+1) {
		if f.Offset >= 8 {
			t.Fatalf("offset %d counted with too few samples", f.Offset)
		}
	}
	// Random offsets stay near 8 bits: the lowest of them is an offset that is neither 0 nor 3.
	r, _ := NewOffsets(16)
	for range n {
		rand.Read(sample)
		r.Add(sample)
	}
	if f := r.FixedBytes(0.05, 1); len(f) != 0 {
		t.Fatalf("fixed bytes in random samples: %+v", f)
	}
	if _, h := r.MinEntropy(1); h < UniformEntropy(n)-0.05 {
		t.Fatalf("lowest entropy of random offsets %v, expected about %v", h, UniformEntropy(n))
	}
}

func TestLengths(t *testing.T) {
	var l Lengths
	if l.Total() != 0 || l.Distinct() != 0 || l.Entropy() != 0 || len(l.Top(3)) != 0 {
		t.Fatal("empty Lengths")
	}
	if lo, hi := l.Range(); lo != 0 || hi != 0 {
		t.Fatal("empty Range")
	}
	for _, n := range []int{100, 100, 100, 1232, 1232, 40, -7, 70000} {
		l.Add(n)
	}
	if l.Total() != 8 || l.Distinct() != 5 {
		t.Fatalf("total %d distinct %d", l.Total(), l.Distinct())
	}
	if lo, hi := l.Range(); lo != 0 || hi != MaxLength {
		t.Fatalf("range %d..%d", lo, hi)
	}
	top := l.Top(3)
	want := []LengthCount{{100, 3}, {1232, 2}, {0, 1}}
	if len(top) != 3 || top[0] != want[0] || top[1] != want[1] || top[2] != want[2] {
		t.Fatalf("top %+v", top)
	}
	if len(l.Top(-1)) != 0 || len(l.Top(99)) != 5 {
		t.Fatal("Top bounds")
	}
	var two Lengths
	two.Add(1)
	two.Add(2)
	if two.Entropy() != 1 {
		t.Fatalf("two equally frequent lengths: %v bits", two.Entropy())
	}
}
