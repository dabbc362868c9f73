package registry

import (
	"bytes"
	"math"
	mrand "math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testNet is a network: a CA, a coordinator with its certificate, a
// second node, and a Verifier trusting the CA. Keys come from a seeded
// ChaCha8 stream, so the same seed gives the same network in every process.
type testNet struct {
	ca     *identity.CA
	coord  *identity.PrivateIdentity
	cert   *identity.Certificate
	other  *identity.PrivateIdentity
	ocert  *identity.Certificate
	verify *Verifier
}

func newNet(t testing.TB, seed byte, groups ...string) *testNet {
	t.Helper()
	n, err := buildNet(seed, groups...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// buildNet makes the network of seed, as newNet does, for a crash child
// that has no testing.TB.
func buildNet(seed byte, groups ...string) (*testNet, error) {
	rnd := mrand.NewChaCha8([32]byte{seed})
	ca, err := identity.NewCA(rnd, "test-ca", 10*365*24*time.Hour, t0.Add(-time.Hour))
	if err != nil {
		return nil, err
	}
	n := &testNet{ca: ca}
	if n.coord, err = identity.GenerateIdentity(rnd); err != nil {
		return nil, err
	}
	if n.cert, err = ca.Sign(rnd, n.coord.PublicIdentity(), "coord", groups, t0.Add(-time.Hour), t0.Add(365*24*time.Hour)); err != nil {
		return nil, err
	}
	if n.other, err = identity.GenerateIdentity(rnd); err != nil {
		return nil, err
	}
	if n.ocert, err = ca.Sign(rnd, n.other.PublicIdentity(), "other", nil, t0.Add(-time.Hour), t0.Add(365*24*time.Hour)); err != nil {
		return nil, err
	}
	v, err := identity.NewVerifier(ca.Cert)
	if err != nil {
		return nil, err
	}
	n.verify = &Verifier{Identity: v}
	return n, nil
}

func nid(i int) identity.NodeID {
	var id identity.NodeID
	id[0], id[1], id[31] = byte(i>>8), byte(i), 7
	return id
}

// params returns the parameters of a round with a payload naming it.
func params(round uint64, parent ID) Params {
	return Params{
		Kind: "meshdetect/v1", Payload: []byte("model of round " + string(rune('A'+round%26)) + string(bytes.Repeat([]byte{byte(round)}, int(round%7)))),
		Parent: parent, Round: round, Strategy: "fedavg", EpsilonRound: 0.25, EpsilonTotal: 0.25 * float64(round), Delta: 1e-5,
		Participants: []identity.NodeID{nid(3), nid(1), nid(2)}, Created: t0.Add(time.Duration(round) * time.Minute),
	}
}

// fataler is what sign needs of a testing.TB or a *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

func (n *testNet) sign(t fataler, p Params) *Record {
	t.Helper()
	r, err := Sign(p, n.coord.Signing, n.cert)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// chain signs rounds 1..k, each the parent of the next.
func (n *testNet) chain(t testing.TB, k int) []*Record {
	t.Helper()
	var out []*Record
	var parent ID
	for i := 1; i <= k; i++ {
		r := n.sign(t, params(uint64(i), parent))
		out = append(out, r)
		parent = r.ID
	}
	return out
}

func openTemp(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "models.db")
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// reencode builds the encoding of r from its fields alone.
func reencode(r *Record) ([]byte, error) {
	body, err := encodeBody(&r.Header)
	if err != nil {
		return nil, err
	}
	out := append(body, r.Signature...)
	return append(out, r.Payload...), nil
}

// rawFields is a record's content without the checks of the encoder, to
// build malformed encodings.
type rawFields struct {
	magic                    string
	version                  uint8
	kind, strategy           string
	size                     uint32
	hash                     [32]byte
	parent                   ID
	round                    uint64
	er, et, delta            float64
	created                  uint64
	count                    int // participant count written; -1: len(parts)
	parts                    []identity.NodeID
	coord                    identity.NodeID
	cert, sig, payload, tail []byte
}

func fieldsOf(r *Record) rawFields {
	return rawFields{magic: Magic, version: FormatVersion, kind: r.Kind, strategy: r.Strategy, size: uint32(r.PayloadSize),
		hash: r.PayloadHash, parent: r.Parent, round: r.Round, er: r.EpsilonRound, et: r.EpsilonTotal, delta: r.Delta,
		created: uint64(r.Created.UnixNano()), count: -1, parts: r.Participants, coord: r.Coordinator,
		cert: r.Certificate.Raw(), sig: r.Signature, payload: r.Payload}
}

func (f rawFields) encode() []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddBytes([]byte(f.magic))
	b.AddUint8(f.version)
	b.AddUint8(uint8(len(f.kind)))
	b.AddBytes([]byte(f.kind))
	b.AddUint32(f.size)
	b.AddBytes(f.hash[:])
	b.AddBytes(f.parent[:])
	b.AddUint64(f.round)
	b.AddUint8(uint8(len(f.strategy)))
	b.AddBytes([]byte(f.strategy))
	b.AddUint64(math.Float64bits(f.er))
	b.AddUint64(math.Float64bits(f.et))
	b.AddUint64(math.Float64bits(f.delta))
	b.AddUint64(f.created)
	n := f.count
	if n < 0 {
		n = len(f.parts)
	}
	b.AddUint16(uint16(n))
	for _, p := range f.parts {
		b.AddBytes(p[:])
	}
	b.AddBytes(f.coord[:])
	b.AddUint16(uint16(len(f.cert)))
	b.AddBytes(f.cert)
	b.AddBytes(f.sig)
	b.AddBytes(f.payload)
	b.AddBytes(f.tail)
	return b.BytesOrPanic()
}

// signFields signs the body of f with key and returns the whole
// encoding, bypassing Sign's checks.
func signFields(t testing.TB, f rawFields, key *pqc.SigningKey) []byte {
	t.Helper()
	payload, tail := f.payload, f.tail
	f.sig, f.payload, f.tail = nil, nil, nil
	body := f.encode()
	sig, err := key.Sign(body, []byte(SignatureContext))
	if err != nil {
		t.Fatal(err)
	}
	out := append(append(body, sig...), payload...)
	return append(out, tail...)
}
