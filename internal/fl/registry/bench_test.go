package registry

import (
	"testing"
)

// benchPayload is the size of a payload in the benchmarks: about a
// meshdetect detector.
const benchPayload = 128 << 10

func benchParams(round uint64, parent ID) Params {
	p := params(round, parent)
	p.Payload = make([]byte, benchPayload)
	return p
}

func BenchmarkSign(b *testing.B) {
	n := newNet(b, 80)
	p := benchParams(1, ID{})
	b.SetBytes(benchPayload)
	for b.Loop() {
		if _, err := Sign(p, n.coord.Signing, n.cert); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRecord(b *testing.B) {
	n := newNet(b, 81)
	raw := n.sign(b, benchParams(1, ID{})).Raw()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseRecord(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures a full check: payload hash, certificate chain
// (cached by the identity Verifier after the first) and both signature
// halves.
func BenchmarkVerify(b *testing.B) {
	n := newNet(b, 82)
	r := n.sign(b, benchParams(1, ID{}))
	b.SetBytes(benchPayload)
	for b.Loop() {
		if err := n.verify.Verify(r, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccept measures Accept of pre-signed versions into a store at
// its retention limit: verification, the bbolt transaction with its fsync,
// and pruning.
func BenchmarkAccept(b *testing.B) {
	n := newNet(b, 83)
	s, _ := openTemp(b, Options{})
	var rs []*Record
	var parent ID
	for i := range b.N {
		r := n.sign(b, benchParams(uint64(i+1), parent))
		rs, parent = append(rs, r), r.ID
	}
	b.SetBytes(benchPayload)
	b.ResetTimer()
	for _, r := range rs {
		if _, err := s.Accept(r, n.verify, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList measures listing a full store of DefaultRetain versions.
func BenchmarkList(b *testing.B) {
	n := newNet(b, 84)
	s, _ := openTemp(b, Options{})
	var parent ID
	for i := range DefaultRetain {
		r := n.sign(b, benchParams(uint64(i+1), parent))
		if _, err := s.Accept(r, n.verify, t0); err != nil {
			b.Fatal(err)
		}
		parent = r.ID
	}
	for b.Loop() {
		if list, err := s.List(); err != nil || len(list) != DefaultRetain {
			b.Fatal(len(list), err)
		}
	}
}
