package session

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the creation time of every test session.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// testKeys returns two distinct random keys from a seeded generator. Test keys only.
func testKeys(seed uint64) (a, b [32]byte) {
	rng := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1}))
	for i := range a {
		a[i] = byte(rng.Uint32())
		b[i] = byte(rng.Uint32())
	}
	return a, b
}

// newPair returns the initiator's and the responder's sessions of one handshake. The responder
// is confirmed with a keepalive from the initiator unless unconfirmed is set.
func newPair(tb testing.TB, lim Limits, unconfirmed bool) (ini, resp *Session) {
	tb.Helper()
	k1, k2 := testKeys(1)
	var err error
	ini, err = New(Params{SendKey: k1, RecvKey: k2, LocalIndex: 0x11111111, RemoteIndex: 0x22222222,
		Initiator: true, Created: t0, Limits: lim})
	if err != nil {
		tb.Fatal(err)
	}
	resp, err = New(Params{SendKey: k2, RecvKey: k1, LocalIndex: 0x22222222, RemoteIndex: 0x11111111,
		Created: t0, Limits: lim})
	if err != nil {
		tb.Fatal(err)
	}
	if !unconfirmed {
		confirm(tb, ini, resp)
	}
	return ini, resp
}

// confirm sends a keepalive from ini to resp.
func confirm(tb testing.TB, ini, resp *Session) {
	tb.Helper()
	ka, err := ini.Seal(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := resp.Open(nil, ka, t0); err != nil {
		tb.Fatal(err)
	}
}

// payloadOf returns n deterministic bytes.
func payloadOf(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	return p
}
