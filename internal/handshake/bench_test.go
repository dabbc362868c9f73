package handshake

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"testing"
	"time"
)

// BenchmarkHandshake times one complete handshake, both sides, in memory: with the initiator's
// certificate named by hash (steady state) and with the full certificate (first contact).
func BenchmarkHandshake(b *testing.B) {
	for _, full := range []bool{false, true} {
		name := map[bool]string{false: "cached", true: "full-cert"}[full]
		b.Run(name, func(b *testing.B) {
			x, y, err := newCostNodes(rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Unix(1<<30, 0)
			b.ReportAllocs()
			for b.Loop() {
				// Slower than MaxInitiationsPerSecond, as MeasureCost paces them: faster, the
				// responder would rightly switch to cookie mode.
				now = now.Add(2 * time.Second / MaxInitiationsPerSecond)
				if full {
					x.m.accepted.remove(y.cert.Hash)
				}
				if err := x.run(now, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReject times the responder's refusal of an Initiation with a bad mac1 and, under
// load, of one with a valid mac1 but no cookie: the costs a flood imposes.
func BenchmarkReject(b *testing.B) {
	a, r := pair(b)
	forged := forgedInitiation(b, r)
	bad := append([]byte(nil), forged...)
	bad[len(bad)-2*MACSize] ^= 1
	b.Run("bad-mac1", func(b *testing.B) {
		for b.Loop() {
			r.m.Receive(t0, a.addr, bad)
		}
	})
	r.m.SetUnderLoad(true)
	b.Run("cookie-reply", func(b *testing.B) {
		for b.Loop() {
			r.m.Receive(t0, a.addr, forged)
		}
	})
}

func BenchmarkX25519KeyGen(b *testing.B) {
	var seed [32]byte
	rand.Read(seed[:])
	for b.Loop() {
		k, _ := ecdh.X25519().NewPrivateKey(seed[:])
		k.PublicKey()
	}
}

func BenchmarkX25519DH(b *testing.B) {
	k, _ := ecdh.X25519().GenerateKey(rand.Reader)
	p, _ := ecdh.X25519().GenerateKey(rand.Reader)
	for b.Loop() {
		k.ECDH(p.PublicKey())
	}
}

func BenchmarkMLKEMKeyGen(b *testing.B) {
	for b.Loop() {
		mlkem.GenerateKey768()
	}
}

func BenchmarkMLKEMParseKey(b *testing.B) {
	dk, _ := mlkem.GenerateKey768()
	ek := dk.EncapsulationKey().Bytes()
	for b.Loop() {
		mlkem.NewEncapsulationKey768(ek)
	}
}

func BenchmarkMLKEMEncaps(b *testing.B) {
	dk, _ := mlkem.GenerateKey768()
	ek := dk.EncapsulationKey()
	for b.Loop() {
		ek.Encapsulate()
	}
}

func BenchmarkMLKEMDecaps(b *testing.B) {
	dk, _ := mlkem.GenerateKey768()
	_, ct := dk.EncapsulationKey().Encapsulate()
	for b.Loop() {
		dk.Decapsulate(ct)
	}
}

func BenchmarkHKDF(b *testing.B) {
	ikm := make([]byte, 64)
	var s symmetric
	for b.Loop() {
		s.mixKey(ikm)
	}
}

func BenchmarkAEAD(b *testing.B) {
	var s symmetric
	var k [KeySize]byte
	pt := make([]byte, timestampSize)
	for b.Loop() {
		s.seal(nil, &k, pt)
	}
}

func BenchmarkMAC(b *testing.B) {
	key := make([]byte, 32)
	msg := make([]byte, InitiationCachedSize)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		mac(key, msg)
	}
}

func BenchmarkReassemble(b *testing.B) {
	msg := make([]byte, InitiationOverhead+typicalCertSize)
	dgs := splitMessage(t0AddrPort, msg, 1, MaxDatagramSize-FragmentHeaderSize)
	r := newReassembler(&Limits{MaxMessageSize: MaxMessageSize, MaxFragments: MaxFragments,
		MaxReassemblies: MaxReassemblies, MaxReassembliesPerSource: MaxReassembliesPerSource,
		ReassemblyTimeout: ReassemblyTimeout})
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		for _, d := range dgs {
			f, _ := parseFragment(d.Data)
			r.add(t0, t0AddrPort, f)
		}
	}
}
