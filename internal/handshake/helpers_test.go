package handshake

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// testCertSize is the size of the test certificates: about the size of a real one (6683 bytes
// for a node named "alpha"), so that fragmentation is exercised as in production.
const testCertSize = 6683

// testCertMagic starts every test certificate.
const testCertMagic = "x0tta6bl4 test certificate\x00"

// errUntrusted is the test verifier's error for a certificate it does not know.
var errUntrusted = errors.New("test verifier: certificate not trusted")

// testVerifier accepts a set of known raw certificates. A raw certificate encodes the subject's
// name and KEM public key, which VerifyCert decodes; certificate signatures are tested in the
// identity package.
type testVerifier struct {
	known map[[32]byte]bool
	calls int
}

func newTestVerifier() *testVerifier { return &testVerifier{known: make(map[[32]byte]bool)} }

func (v *testVerifier) VerifyCert(raw []byte, _ time.Time) (*PeerCert, error) {
	v.calls++
	h := sha256.Sum256(raw)
	if !v.known[h] {
		return nil, errUntrusted
	}
	return decodeTestCert(raw)
}

// makeTestCert encodes a test certificate for name and kem.
func makeTestCert(name string, kem *pqc.KEMPublicKey) []byte {
	raw := append([]byte(testCertMagic), byte(len(name)))
	raw = append(raw, name...)
	raw = append(raw, kem.Bytes()...)
	if len(raw) < testCertSize {
		raw = append(raw, make([]byte, testCertSize-len(raw))...)
	}
	return raw
}

func decodeTestCert(raw []byte) (*PeerCert, error) {
	p, ok := bytes.CutPrefix(raw, []byte(testCertMagic))
	if !ok || len(p) < 1 || len(p) < 1+int(p[0])+pqc.KEMPublicKeySize {
		return nil, fmt.Errorf("test verifier: malformed certificate")
	}
	name := string(p[1 : 1+p[0]])
	kemBytes := p[1+p[0] : 1+int(p[0])+pqc.KEMPublicKeySize]
	kem, err := pqc.ParseKEMPublicKey(kemBytes)
	if err != nil {
		return nil, err
	}
	return &PeerCert{
		NodeID: sha256.Sum256(append([]byte("node "), kemBytes...)),
		Hash:   sha256.Sum256(raw),
		Static: kem,
		Name:   name,
		Raw:    append([]byte(nil), raw...),
	}, nil
}

var testNetworkID = sha256.Sum256([]byte("test network CA"))

// party is one node in a test: its keys, certificate, address and Machine.
type party struct {
	name string
	key  *pqc.KEMKey
	raw  []byte
	cert *PeerCert
	addr netip.AddrPort
	v    *testVerifier
	m    *Machine
}

var nextPort uint16 = 1000

// newParty makes a node with a fresh key whose certificate v trusts. Each party gets its own
// address.
func newParty(t testing.TB, name string, v *testVerifier, lim Limits) *party {
	t.Helper()
	key, err := pqc.GenerateKEMKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw := makeTestCert(name, key.Public())
	v.known[sha256.Sum256(raw)] = true
	cert, err := decodeTestCert(raw)
	if err != nil {
		t.Fatal(err)
	}
	nextPort++
	p := &party{name: name, key: key, raw: raw, cert: cert, v: v,
		addr: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), nextPort)}
	p.m = p.newMachine(t, testNetworkID, lim)
	return p
}

// newMachine returns a new Machine for p's key and certificate (a restart).
func (p *party) newMachine(t testing.TB, networkID [32]byte, lim Limits) *Machine {
	t.Helper()
	m, err := New(Config{
		Static: p.key, Cert: p.raw, CertHash: p.cert.Hash, NetworkID: networkID,
		Verifier: p.v, Rand: rand.Reader, Limits: lim,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pair returns an initiator and a responder that trust each other.
func pair(t testing.TB) (a, b *party) {
	v := newTestVerifier()
	return newParty(t, "alpha", v, Limits{}), newParty(t, "beta", v, Limits{})
}

// packet is a datagram in flight.
type packet struct {
	from netip.AddrPort
	Datagram
}

// network delivers datagrams between parties.
type network struct {
	t       testing.TB
	parties map[netip.AddrPort]*party
	est     map[string][]*Established
	errs    []error
	types   []byte // types of the delivered messages, reassembled
	reasm   *reassembler
}

func newNet(t testing.TB, ps ...*party) *network {
	n := &network{t: t, parties: make(map[netip.AddrPort]*party), est: make(map[string][]*Established),
		reasm: newReassembler(&Limits{MaxMessageSize: MaxMessageSize, MaxFragments: MaxFragments,
			MaxReassemblies: MaxReassemblies, MaxReassembliesPerSource: MaxReassembliesPerSource,
			ReassemblyTimeout: ReassemblyTimeout})}
	for _, p := range ps {
		n.parties[p.addr] = p
	}
	return n
}

func packets(from netip.AddrPort, dgs []Datagram) []packet {
	out := make([]packet, len(dgs))
	for i, d := range dgs {
		out[i] = packet{from, d}
	}
	return out
}

// run delivers queue and everything it triggers, in order, until nothing is left.
func (n *network) run(now time.Time, queue []packet) {
	n.t.Helper()
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			n.t.Fatal("handshake does not settle")
		}
		pk := queue[0]
		queue = queue[1:]
		dst := n.parties[pk.To]
		if dst == nil {
			n.t.Fatalf("datagram to unknown address %v", pk.To)
		}
		n.record(pk)
		res, err := dst.m.Receive(now, pk.from, pk.Data)
		if err != nil {
			n.errs = append(n.errs, err)
		}
		if res.Established != nil {
			n.est[dst.name] = append(n.est[dst.name], res.Established)
		}
		queue = append(queue, packets(dst.addr, res.Send)...)
	}
}

// record notes the type of every whole message that crosses the network.
func (n *network) record(pk packet) {
	t, ok := MessageType(pk.Data)
	if !ok {
		return
	}
	if t != TypeFragment {
		n.types = append(n.types, t)
		return
	}
	f, err := parseFragment(pk.Data)
	if err != nil {
		return
	}
	if msg, _ := n.reasm.add(time.Time{}, pk.from, f); msg != nil {
		n.types = append(n.types, msg[0])
	}
}

// handshake runs a complete handshake from a to b and returns both Established.
func handshake(t testing.TB, now time.Time, a, b *party, peer *PeerCert) (ea, eb *Established) {
	t.Helper()
	dgs, err := a.m.Initiate(now, b.addr, peer)
	if err != nil {
		t.Fatal(err)
	}
	n := newNet(t, a, b)
	n.run(now, packets(a.addr, dgs))
	if len(n.est[a.name]) != 1 || len(n.est[b.name]) != 1 {
		t.Fatalf("established: %s %d, %s %d; errors %v", a.name, len(n.est[a.name]), b.name, len(n.est[b.name]), n.errs)
	}
	return n.est[a.name][0], n.est[b.name][0]
}

// checkMatch checks that an initiator's and a responder's sessions fit together.
func checkMatch(t testing.TB, ei, er *Established, i, r *party) {
	t.Helper()
	switch {
	case !ei.Initiator || er.Initiator:
		t.Error("wrong Initiator flags")
	case ei.SendKey != er.RecvKey || ei.RecvKey != er.SendKey:
		t.Error("keys do not match")
	case ei.SendKey == ei.RecvKey:
		t.Error("send and receive keys are equal")
	case ei.LocalIndex != er.RemoteIndex || ei.RemoteIndex != er.LocalIndex:
		t.Error("indices do not match")
	case ei.Peer.Hash != r.cert.Hash || er.Peer.Hash != i.cert.Hash:
		t.Error("wrong peer certificates")
	case ei.Addr != r.addr || er.Addr != i.addr:
		t.Error("wrong addresses")
	}
	var zero [32]byte
	if ei.SendKey == zero || ei.RecvKey == zero {
		t.Error("zero key")
	}
}

// messages splits the datagrams a Machine sent into whole messages, reassembling Fragments.
func messages(t testing.TB, dgs []Datagram) [][]byte {
	t.Helper()
	r := newReassembler(&Limits{MaxMessageSize: MaxMessageSize, MaxFragments: MaxFragments,
		MaxReassemblies: MaxReassemblies, MaxReassembliesPerSource: MaxReassembliesPerSource,
		ReassemblyTimeout: ReassemblyTimeout})
	var out [][]byte
	for _, d := range dgs {
		if len(d.Data) > MaxDatagramSize {
			t.Fatalf("%d-byte datagram exceeds MaxDatagramSize", len(d.Data))
		}
		if d.Data[0] != TypeFragment {
			out = append(out, d.Data)
			continue
		}
		f, err := parseFragment(d.Data)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := r.add(time.Time{}, d.To, f)
		if err != nil {
			t.Fatal(err)
		}
		if msg != nil {
			out = append(out, msg)
		}
	}
	return out
}

// oneMessage returns the single message in dgs.
func oneMessage(t testing.TB, dgs []Datagram) []byte {
	t.Helper()
	msgs := messages(t, dgs)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

// t0 is the start of every test's virtual clock.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("no randomness") }

func addrPortWith(a netip.AddrPort, port uint16) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr(), port)
}

func netipMust(s string) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr(s), 1) }
