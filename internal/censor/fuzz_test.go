package censor

import (
	"math/bits"
	"testing"
)

// reference recomputes each rule of Algorithm 1 directly from its definition.
func reference(p []byte) [6]bool {
	var rules [6]bool // rules[k] reports whether Exk applies; rules[0] is unused
	if len(p) == 0 {
		return rules
	}
	ones, printable, run, longest := 0, 0, 0, 0
	for _, b := range p {
		ones += bits.OnesCount8(b)
		if b >= 0x20 && b <= 0x7e {
			printable++
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	avg := float64(ones) / float64(len(p))
	rules[1] = avg <= 3.4 || avg >= 4.6
	rules[2] = len(p) >= 6
	for i := 0; i < 6 && i < len(p); i++ {
		rules[2] = rules[2] && p[i] >= 0x20 && p[i] <= 0x7e
	}
	rules[3] = 2*printable > len(p)
	rules[4] = longest > 20
	lower := func(b byte) byte {
		if b >= 'A' && b <= 'Z' {
			return b + 'a' - 'A'
		}
		return b
	}
	hasPrefix := func(m string) bool {
		if len(p) < len(m) {
			return false
		}
		for i := range len(m) {
			if lower(p[i]) != m[i] {
				return false
			}
		}
		return true
	}
	tls := len(p) >= 3 && (p[0] == 0x16 || p[0] == 0x17) && p[1] == 3 && p[2] <= 9
	rules[5] = tls || hasPrefix("get ") || hasPrefix("put ") || hasPrefix("post ") || hasPrefix("head ")
	return rules
}

// FuzzFullyEncrypted checks the classifier against a direct re-implementation of each rule: the
// verdict names the first rule that applies, flags exactly the payloads no rule exempts, and its
// measurements are in range. Statistics helpers take the same bytes without failing.
func FuzzFullyEncrypted(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03})
	f.Add([]byte{0x05, 0x00, 0x02, 0x00, 0x9c, 0x3e, 0x11, 0xa7, 0x01, 0x00, 0x00, 0x00, 0x5d, 0xe2, 0x41, 0xfe})
	f.Add([]byte("x0tta6\x8f\x13\xd4\xa9\x01\xee"))
	f.Fuzz(func(t *testing.T, p []byte) {
		v := FullyEncrypted(p)
		rules := reference(p)
		want := None
		for k := 5; k >= 1; k-- {
			if rules[k] {
				want = Exemption(k)
			}
		}
		if len(p) == 0 {
			want = Empty
		}
		if v.Exemption != want || v.Flagged != (want == None) {
			t.Fatalf("verdict %+v, reference %v (rules %v)", v, want, rules)
		}
		if v.Popcount < 0 || v.Popcount > 8 || v.Printable < 0 || v.Printable > 1 || v.LongestRun < 0 || v.LongestRun > len(p) {
			t.Fatalf("measurements out of range: %+v", v)
		}
		var c ByteCounts
		c.Add(p)
		if c.Total() != uint64(len(p)) || c.Entropy() < 0 || c.Entropy() > 8 {
			t.Fatalf("histogram of %d bytes: total %d entropy %v", len(p), c.Total(), c.Entropy())
		}
		o, err := NewOffsets(64)
		if err != nil {
			t.Fatal(err)
		}
		o.Add(p)
		var l Lengths
		l.Add(len(p))
		if l.Distinct() != 1 {
			t.Fatal("one length, not one distinct length")
		}
	})
}
