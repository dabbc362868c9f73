package censor

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"math"
	mrand "math/rand/v2"
	"net"
	"testing"
)

// repeat returns b repeated n times.
func repeat(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Bytes with four set bits that are not printable ASCII: a body of them keeps the average
// popcount at 4 without triggering Ex2 to Ex4.
const (
	np4  = byte(0x0f) // 0000 1111
	np3  = byte(0x07) // 0000 0111
	np5  = byte(0x8f) // 1000 1111
	np4h = byte(0x87) // 1000 0111
)

// clientHello returns the first record a real crypto/tls client sends.
func clientHello(t *testing.T) []byte {
	t.Helper()
	c, s := net.Pipe()
	defer s.Close()
	go func() {
		_ = tls.Client(c, &tls.Config{ServerName: "example.com"}).Handshake()
		c.Close()
	}()
	buf := make([]byte, 1<<16)
	n, err := s.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func TestFullyEncryptedPaperExamples(t *testing.T) {
	hello := clientHello(t)
	if !IsTLS(hello) {
		t.Fatalf("a real ClientHello does not match the TLS fingerprint: % x", hello[:8])
	}
	tests := []struct {
		name    string
		payload []byte
		want    Exemption
	}{
		// Go's ClientHello carries a 1,216-byte hybrid ML-KEM key share, so its popcount (about
		// 3.56) is not low enough for Ex1: only the TLS fingerprint exempts it.
		{"TLS ClientHello (crypto/tls)", hello, Ex5},
		{"HTTP GET", []byte("GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"), Ex2},
		{"empty", nil, Empty},
		// Ex1 at and around its bounds: ten non-printable bytes with 34, 35, 45 and 46 set bits.
		{"Ex1 popcount 3.4", cat(repeat(np3, 6), repeat(np4, 4)), Ex1},
		{"popcount 3.5", cat(repeat(np3, 5), repeat(np4, 5)), None},
		{"popcount 4.5", cat(repeat(np5, 5), repeat(np4h, 5)), None},
		{"Ex1 popcount 4.6", cat(repeat(np5, 6), repeat(np4h, 4)), Ex1},
		{"Ex1 all zero", make([]byte, 1200), Ex1},
		// Ex2: six printable bytes, then a non-printable body.
		{"Ex2 printable prefix", cat([]byte("x0tta6"), repeat(np4, 200)), Ex2},
		{"five printable bytes", cat([]byte("x0tta"), repeat(np4, 200)), None},
		{"six printable bytes, nothing else", []byte("abcdef"), Ex2},
		// Ex3: more than half printable, no run over 20, the first six bytes not printable.
		{"Ex3 half printable", cat(repeat(np4, 6), bytes.Repeat(cat(repeat('i', 20), []byte{np4}), 10)), Ex3},
		{"exactly half printable", cat(repeat(np4, 6), bytes.Repeat(cat(repeat('i', 10), repeat(np4, 10)), 10), repeat(np4, 4)), None},
		// Ex4: a run of 21 printable bytes in a non-printable payload; 20 is not enough.
		{"Ex4 run of 21", cat(repeat(np4, 6), repeat('i', 21), repeat(np4, 100)), Ex4},
		{"run of 20", cat(repeat(np4, 6), repeat('i', 20), repeat(np4, 100)), None},
		// Ex5: the TLS record header and the HTTP methods with a space, in any case.
		{"Ex5 TLS handshake", cat([]byte{0x16, 0x03, 0x01}, repeat(np4, 200)), Ex5},
		{"Ex5 TLS application data", cat([]byte{0x17, 0x03, 0x09}, repeat(np4, 200)), Ex5},
		{"TLS-like, type 0x18", cat([]byte{0x18, 0x03, 0x01}, repeat(np4, 200)), None},
		{"TLS-like, minor 0x0a", cat([]byte{0x16, 0x03, 0x0a}, repeat(np4, 200)), None},
		{"TLS-like, major 2", cat([]byte{0x16, 0x02, 0x01}, repeat(np4, 200)), None},
		{"Ex5 GET", cat([]byte("GET "), repeat(np4, 200)), Ex5},
		{"Ex5 get", cat([]byte("get "), repeat(np4, 200)), Ex5},
		{"Ex5 PUT", cat([]byte("PUT "), repeat(np4, 200)), Ex5},
		{"Ex5 POST", cat([]byte("pOsT "), repeat(np4, 200)), Ex5},
		{"Ex5 HEAD", cat([]byte("HEAD "), repeat(np4, 200)), Ex5},
		{"HEAD without space", cat([]byte("HEAD"), repeat(np4, 200)), None},
		{"misspelt GTE", cat([]byte("GTE "), repeat(np4, 200)), None},
		{"one byte", []byte{np4}, None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := FullyEncrypted(tt.payload)
			if v.Exemption != tt.want || v.Flagged != (tt.want == None) {
				t.Fatalf("verdict %+v, want exemption %v", v, tt.want)
			}
		})
	}
}

func TestFullyEncryptedRandomIsFlagged(t *testing.T) {
	// Uniformly random payloads of a typical size are flagged: only Ex2 lets a noticeable share
	// through ((95/256)^6 ≈ 0.26%).
	const n = 2000
	flagged := 0
	buf := make([]byte, 1232)
	for range n {
		rand.Read(buf)
		if FullyEncrypted(buf).Flagged {
			flagged++
		}
	}
	if flagged < n*98/100 {
		t.Fatalf("%d of %d random payloads flagged", flagged, n)
	}
}

func TestVerdictMeasurements(t *testing.T) {
	v := FullyEncrypted([]byte{0xff, 0x00, 'a', 'b', 0x01})
	if v.Popcount != (8+0+3+3+1)/5.0 || v.Printable != 0.4 || v.LongestRun != 2 {
		t.Fatalf("%+v", v)
	}
}

func TestExemptionString(t *testing.T) {
	for e, want := range map[Exemption]string{None: "none", Ex1: "Ex1", Ex5: "Ex5", Empty: "empty", Exemption(42): "Exemption(42)"} {
		if got := e.String(); got != want {
			t.Errorf("%d: %q, want %q", int(e), got, want)
		}
	}
	if !IsPrintable(' ') || !IsPrintable('~') || IsPrintable(0x1f) || IsPrintable(0x7f) {
		t.Fatal("IsPrintable does not match [0x20, 0x7e]")
	}
}

func TestNewCensorRefuses(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for _, tt := range []struct {
		p   float64
		rng *mrand.Rand
	}{{0, rng}, {-0.5, rng}, {1.5, rng}, {math.NaN(), rng}, {0.5, nil}} {
		if _, err := NewCensor(tt.p, tt.rng); !errors.Is(err, ErrInvalidProbability) {
			t.Errorf("NewCensor(%v, %v) = %v", tt.p, tt.rng != nil, err)
		}
	}
}

func TestCensorBlocks(t *testing.T) {
	random := make([]byte, 500)
	rand.Read(random)
	for FullyEncrypted(random).Exemption != None {
		rand.Read(random)
	}
	exempt := []byte("GET / HTTP/1.1\r\n\r\n")

	strict, err := NewCensor(DefaultBlockProbability, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, blocked := strict.Blocks(random); !v.Flagged || !blocked {
		t.Fatal("a strict censor did not block a flagged payload")
	}
	if _, blocked := strict.Blocks(exempt); blocked {
		t.Fatal("an exempt payload was blocked")
	}

	paper, err := NewCensor(PaperBlockProbability, mrand.New(mrand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	const n = 100000
	blocked := 0
	for range n {
		if _, b := paper.Blocks(random); b {
			blocked++
		}
		if _, b := paper.Blocks(exempt); b {
			t.Fatal("an exempt payload was blocked")
		}
	}
	// Binomial(100000, 0.263): standard deviation 0.0014; allow five.
	if got := float64(blocked) / n; math.Abs(got-PaperBlockProbability) > 0.007 {
		t.Fatalf("blocked %.4f of flagged connections, want %.3f", got, PaperBlockProbability)
	}
}
