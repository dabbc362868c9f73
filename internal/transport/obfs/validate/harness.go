package validate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
)

// errTimeout reports a datagram that did not arrive within ReadTimeout.
var errTimeout = errors.New("validate: no datagram within the read timeout")

// node is one side of the handshakes: a handshake Machine and its verified certificate.
type node struct {
	m    *handshake.Machine
	cert *handshake.PeerCert
}

// newNodes makes a throw-away CA and two members of its network, valid from now.
func newNodes(rand io.Reader, now time.Time) (a, b *node, err error) {
	ca, err := identity.NewCA(rand, "validate-ca", certValidity, now.Add(-time.Minute))
	if err != nil {
		return nil, nil, err
	}
	v, err := identity.NewVerifier(ca.Cert)
	if err != nil {
		return nil, nil, err
	}
	iv := handshake.IdentityVerifier{V: v}
	member := func(name string) (*node, error) {
		id, err := identity.GenerateIdentity(rand)
		if err != nil {
			return nil, err
		}
		cert, err := ca.Sign(rand, id.PublicIdentity(), name, []string{"validate"}, now.Add(-time.Minute), now.Add(certValidity-2*time.Minute))
		if err != nil {
			return nil, err
		}
		pc, err := iv.VerifyCert(cert.Raw(), now)
		if err != nil {
			return nil, err
		}
		m, err := handshake.New(handshake.Config{
			Static: id.KEM, Cert: cert.Raw(), CertHash: cert.Hash(), NetworkID: identity.NetworkID(ca.Cert),
			Verifier: iv, Rand: rand,
		})
		if err != nil {
			return nil, err
		}
		return &node{m: m, cert: pc}, nil
	}
	if a, err = member("initiator"); err != nil {
		return nil, nil, err
	}
	if b, err = member("responder"); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// tap is a transport.Conn that records a copy of every datagram written through it: what a
// passive observer of the wire sees.
type tap struct {
	transport.Conn
	mu      sync.Mutex
	written [][]byte
}

func (t *tap) WriteTo(b []byte, to netip.AddrPort) error {
	t.mu.Lock()
	t.written = append(t.written, bytes.Clone(b))
	t.mu.Unlock()
	return t.Conn.WriteTo(b, to)
}

// take returns and forgets the datagrams recorded so far.
func (t *tap) take() [][]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.written
	t.written = nil
	return w
}

// datagram is one datagram read from a Conn.
type datagram struct {
	data []byte
	from netip.AddrPort
}

// reader reads a Conn in a goroutine until the Conn is closed, so that reads can time out.
type reader struct {
	ch   chan datagram
	done chan struct{}
}

func startReader(c transport.Conn) *reader {
	r := &reader{ch: make(chan datagram, 64), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			buf := make([]byte, transport.MaxDatagramSize)
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			select {
			case r.ch <- datagram{buf[:n], from}:
			default: // nobody is reading: drop, as a full socket buffer would
			}
		}
	}()
	return r
}

// next returns the next datagram, or errTimeout after d.
func (r *reader) next(d time.Duration) (datagram, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case dg := <-r.ch:
		return dg, nil
	case <-t.C:
		return datagram{}, errTimeout
	}
}

// endpoint is one side of a flow: its Conn (obfuscated or not), the tap under it and a reader.
type endpoint struct {
	conn transport.Conn
	wire *tap
	rd   *reader
}

// listen opens a UDP socket at addr, recorded by a tap and wrapped by wrap (nil: plain).
func listen(addr netip.AddrPort, wrap func(transport.Conn) (transport.Conn, error)) (*endpoint, error) {
	u, err := transport.ListenUDP(addr)
	if err != nil {
		return nil, err
	}
	e := &endpoint{wire: &tap{Conn: u}}
	e.conn = e.wire
	if wrap != nil {
		if e.conn, err = wrap(e.wire); err != nil {
			u.Close()
			return nil, err
		}
	}
	e.rd = startReader(e.conn)
	return e, nil
}

// close closes the Conn and waits for the reader to stop.
func (e *endpoint) close() {
	e.conn.Close()
	<-e.rd.done
}

// deliver writes dgs from src and hands each, as received by dst, to m; it returns what m asks
// to send and the handshakes it completed.
func deliver(now time.Time, src, dst *endpoint, m *handshake.Machine, dgs []handshake.Datagram) ([]handshake.Datagram, []*handshake.Established, error) {
	for _, d := range dgs {
		if err := src.conn.WriteTo(d.Data, d.To); err != nil {
			return nil, nil, err
		}
	}
	var out []handshake.Datagram
	var est []*handshake.Established
	for range dgs {
		dg, err := dst.rd.next(ReadTimeout)
		if err != nil {
			return nil, nil, err
		}
		res, err := m.Receive(now, dg.from, dg.data)
		if err != nil && len(res.Send) == 0 {
			return nil, nil, fmt.Errorf("validate: handshake: %w", err)
		}
		out = append(out, res.Send...)
		if res.Established != nil {
			est = append(est, res.Established)
		}
	}
	return out, est, nil
}

// maxRounds bounds the round trips of one handshake: a certificate fetch with a Retry and a
// cookie takes four.
const maxRounds = 8

// flow runs one handshake from a (at ini) to b (at resp), with a certificate fetch first if fetch
// is set, then the data frames, and returns the datagrams each side put on the wire.
func flow(now time.Time, rand io.Reader, a, b *node, ini, resp *endpoint, fetch bool) (fromA, fromB [][]byte, err error) {
	var peer *handshake.PeerCert
	if !fetch {
		peer = b.cert
	}
	toB, err := a.m.Initiate(now, resp.conn.LocalAddr(), peer)
	if err != nil {
		return nil, nil, err
	}
	var estA, estB *handshake.Established
	for range maxRounds {
		toA, est, err := deliver(now, ini, resp, b.m, toB)
		if err != nil {
			return nil, nil, err
		}
		if len(est) > 0 {
			estB = est[len(est)-1]
		}
		if toB, est, err = deliver(now, resp, ini, a.m, toA); err != nil {
			return nil, nil, err
		}
		if len(est) > 0 {
			estA = est[len(est)-1]
		}
		if len(toB) == 0 {
			break
		}
	}
	if estA == nil || estB == nil {
		return nil, nil, errors.New("validate: handshake did not complete")
	}
	if err := exchange(now, rand, estA, estB, ini, resp); err != nil {
		return nil, nil, err
	}
	return ini.wire.take(), resp.wire.take(), nil
}

// exchange sends DataFrames transport data frames from the initiator's session (a keepalive, then
// one of random size) and one back, as a node does after a handshake.
func exchange(now time.Time, rand io.Reader, estA, estB *handshake.Established, ini, resp *endpoint) error {
	open := func(e *handshake.Established) (*session.Session, error) {
		return session.New(session.Params{
			SendKey: e.SendKey, RecvKey: e.RecvKey, LocalIndex: e.LocalIndex, RemoteIndex: e.RemoteIndex,
			Initiator: e.Initiator, Created: now,
		})
	}
	sa, err := open(estA)
	if err != nil {
		return err
	}
	defer sa.Close()
	sb, err := open(estB)
	if err != nil {
		return err
	}
	defer sb.Close()
	var size [2]byte
	if _, err := io.ReadFull(rand, size[:]); err != nil {
		return err
	}
	payloads := [][]byte{nil, make([]byte, 64+int(binary.LittleEndian.Uint16(size[:])%1024))} // 64..1087 bytes
	send := func(s *session.Session, src, dst *endpoint, payload []byte) error {
		frame, err := s.Seal(nil, payload)
		if err != nil {
			return err
		}
		if err := src.conn.WriteTo(frame, dst.conn.LocalAddr()); err != nil {
			return err
		}
		dg, err := dst.rd.next(ReadTimeout)
		if err != nil {
			return err
		}
		other := sa
		if s == sa {
			other = sb
		}
		if _, err := other.Open(nil, dg.data, now); err != nil {
			return fmt.Errorf("validate: data frame: %w", err)
		}
		return nil
	}
	for _, p := range payloads[:DataFrames] {
		if err := send(sa, ini, resp, p); err != nil {
			return err
		}
	}
	return send(sb, resp, ini, payloads[1])
}
