package handshake

import (
	"crypto/ecdh"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/pqc"
)

// Machine runs the handshakes of one node, as initiator and as responder. It is not safe for
// concurrent use.
type Machine struct {
	static    *pqc.KEMKey
	staticX   *ecdh.PrivateKey
	cert      []byte
	certHash  [HashSize]byte
	networkID [HashSize]byte
	verifier  Verifier
	rand      io.Reader
	lim       Limits

	responderState symmetric      // the initial symmetric state of Initiations sent to us
	mac1Key        [HashSize]byte // HASH("mac1----" || our certificate hash)
	cookieKey      [HashSize]byte // HASH("cookie--" || our certificate hash)

	pending map[uint32]*pending         // by local index
	byAddr  map[netip.AddrPort]*pending // the same entries, by remote address
	lastTS  timestamp                   // the last timestamp we sent

	reasm      *reassembler
	cookie     cookieSecrets
	load       *tokenBucket
	forcedLoad bool
	limiter    *lru[netip.Addr, *tokenBucket]
	replay     *lru[[32]byte, timestamp]           // last accepted timestamp by initiator node ID
	certCache  *lru[[HashSize]byte, []byte]        // initiator certificates by hash
	accepted   *lru[[HashSize]byte, bool]          // responders (by certificate hash) that hold our certificate
	remotes    *lru[netip.AddrPort, remoteCookies] // cookies received, by responder address

	stats Stats
}

type pendingKind int

const (
	kindFetch pendingKind = iota
	kindInitiation
)

// pending is an initiator's handshake or certificate fetch in progress.
type pending struct {
	kind          pendingKind
	index         uint32
	addr          netip.AddrPort
	peer          *PeerCert // nil while fetching
	started       time.Time // start of the current phase, for RekeyAttemptTime
	next          time.Time // next retransmission
	useHash       bool      // the first Initiation names our certificate by hash
	cookieRetried bool      // a CookieReply or Retry already triggered a resend in this period
	hs            *initiatorState
}

// remoteCookies are the cookies an initiator received from one responder address.
type remoteCookies struct {
	mac2, retry     [CookieSize]byte
	mac2At, retryAt time.Time
}

// New returns a Machine for the given configuration.
func New(cfg Config) (*Machine, error) {
	switch {
	case cfg.Static == nil:
		return nil, fmt.Errorf("%w: no static key", ErrConfig)
	case len(cfg.Cert) == 0:
		return nil, fmt.Errorf("%w: no certificate", ErrConfig)
	case cfg.Verifier == nil:
		return nil, fmt.Errorf("%w: no verifier", ErrConfig)
	case cfg.Rand == nil:
		return nil, fmt.Errorf("%w: no randomness source", ErrConfig)
	}
	lim, err := cfg.Limits.withDefaults()
	if err != nil {
		return nil, err
	}
	if n := InitiationOverhead + len(cfg.Cert); n > lim.MaxMessageSize {
		return nil, fmt.Errorf("%w: a %d-byte certificate makes a %d-byte Initiation, over MaxMessageSize %d", ErrConfig, len(cfg.Cert), n, lim.MaxMessageSize)
	}
	m := &Machine{
		static:    cfg.Static,
		staticX:   cfg.Static.X25519(),
		cert:      append([]byte(nil), cfg.Cert...),
		certHash:  cfg.CertHash,
		networkID: cfg.NetworkID,
		verifier:  cfg.Verifier,
		rand:      cfg.Rand,
		lim:       lim,
		mac1Key:   labeledHash(labelMAC1, cfg.CertHash[:]),
		cookieKey: labeledHash(labelCookie, cfg.CertHash[:]),
		pending:   make(map[uint32]*pending),
		byAddr:    make(map[netip.AddrPort]*pending),
		reasm:     newReassembler(&lim),
		load:      newTokenBucket(lim.MaxInitiationsPerSecond, lim.MaxInitiationsPerSecond),
		limiter:   newLRU[netip.Addr, *tokenBucket](lim.MaxRateLimitEntries),
		replay:    newLRU[[32]byte, timestamp](lim.MaxReplayEntries),
		certCache: newLRU[[HashSize]byte, []byte](lim.MaxCachedCerts),
		accepted:  newLRU[[HashSize]byte, bool](lim.MaxRemotes),
		remotes:   newLRU[netip.AddrPort, remoteCookies](lim.MaxRemotes),
	}
	m.responderState = initialState(&m.networkID, &m.certHash)
	return m, nil
}

// Receive processes one datagram from a remote address. It returns the datagrams to send and,
// when a handshake completed, its keys. An error means the datagram was dropped, and says why;
// the Result may still carry a CookieReply or a Retry to send.
func (m *Machine) Receive(now time.Time, from netip.AddrPort, datagram []byte) (Result, error) {
	res, err := m.receive(now, from, datagram, true)
	if err != nil {
		m.stats.Dropped++
	}
	return res, err
}

func (m *Machine) receive(now time.Time, from netip.AddrPort, b []byte, whole bool) (Result, error) {
	if len(b) == 0 {
		return Result{}, fmt.Errorf("%w: empty datagram", ErrMalformed)
	}
	if len(b) > m.lim.MaxMessageSize {
		return Result{}, fmt.Errorf("%w: %d bytes exceeds MaxMessageSize", ErrMalformed, len(b))
	}
	switch b[0] {
	case TypeInitiation:
		return m.handleInitiation(now, from, b)
	case TypeResponse:
		return m.handleResponse(now, from, b)
	case TypeCookieReply:
		return m.handleCookieReply(now, b)
	case TypeFragment:
		if !whole {
			return Result{}, fmt.Errorf("%w: a Fragment inside a Fragment", ErrFragment)
		}
		f, err := parseFragment(b)
		if err != nil {
			return Result{}, err
		}
		msg, err := m.reasm.add(now, from, f)
		if msg == nil || err != nil {
			return Result{}, err
		}
		return m.receive(now, from, msg, false)
	case TypeCertRequest:
		return m.handleCertRequest(now, from, b)
	case TypeCertReply:
		return m.handleCertReply(now, b)
	case TypeRetry:
		return m.handleRetry(now, b)
	case TypeTransportData:
		return Result{}, fmt.Errorf("%w: a transport data frame is not a handshake message", ErrMalformed)
	}
	return Result{}, fmt.Errorf("%w: unknown message type %#02x", ErrMalformed, b[0])
}

// Initiate starts a handshake with the node at addr. With a nil peer it first fetches the
// certificate at addr (CertRequest, Retry, CertReply) and verifies it. A pending handshake or
// fetch with addr is replaced.
func (m *Machine) Initiate(now time.Time, addr netip.AddrPort, peer *PeerCert) ([]Datagram, error) {
	if !addr.IsValid() {
		return nil, fmt.Errorf("%w: invalid address", ErrConfig)
	}
	if peer != nil {
		if err := m.checkPeer(peer); err != nil {
			return nil, err
		}
	}
	if old := m.byAddr[addr]; old != nil {
		m.removePending(old)
	}
	if len(m.pending) >= m.lim.MaxPendingHandshakes {
		return nil, fmt.Errorf("%w: %d", ErrTooManyPending, len(m.pending))
	}
	p := &pending{kind: kindFetch, addr: addr, peer: peer, started: now}
	if peer != nil {
		p.kind = kindInitiation
		p.useHash, _ = m.accepted.get(peer.Hash)
	}
	return m.send(now, p)
}

// send builds p's next message under a new index, registers p and schedules its
// retransmission.
func (m *Machine) send(now time.Time, p *pending) ([]Datagram, error) {
	index, err := m.newIndex()
	if err != nil {
		return nil, err
	}
	var msg []byte
	var hs *initiatorState
	if p.kind == kindFetch {
		msg = m.certRequest(now, p.addr, index)
	} else if msg, hs, err = m.initiation(now, p, index); err != nil {
		return nil, err
	}
	dgs, err := m.packetize(p.addr, msg)
	var jitter time.Duration
	if err == nil {
		jitter, err = m.jitter()
	}
	if err != nil {
		if hs != nil {
			hs.erase()
		}
		return nil, err
	}
	m.removePending(p)
	p.hs, p.index, p.next = hs, index, now.Add(m.lim.RekeyTimeout+jitter)
	m.pending[index] = p
	m.byAddr[p.addr] = p
	return dgs, nil
}

// removePending forgets p and erases its secrets.
func (m *Machine) removePending(p *pending) {
	if m.pending[p.index] == p {
		delete(m.pending, p.index)
	}
	if m.byAddr[p.addr] == p {
		delete(m.byAddr, p.addr)
	}
	if p.hs != nil {
		p.hs.erase()
		p.hs = nil
	}
}

// checkPeer checks that a certificate can be used for a handshake.
func (m *Machine) checkPeer(peer *PeerCert) error {
	switch {
	case peer.Static == nil:
		return fmt.Errorf("%w: certificate has no KEM key", ErrCert)
	case peer.Hash == m.certHash:
		return fmt.Errorf("%w: certificate is our own", ErrCert)
	}
	return nil
}

// Tick retransmits the Initiations and CertRequests that got no answer, abandons those older
// than RekeyAttemptTime, and expires reassemblies. It returns the datagrams to send.
func (m *Machine) Tick(now time.Time) []Datagram {
	m.reasm.expire(now)
	m.limiter.removeOldestWhile(func(_ netip.Addr, b *tokenBucket) bool { return b.full(now) })
	var due []*pending
	for _, p := range m.pending {
		if now.Sub(p.started) >= m.lim.RekeyAttemptTime {
			m.removePending(p)
			m.stats.GaveUp++
			continue
		}
		if !now.Before(p.next) {
			due = append(due, p)
		}
	}
	// Retransmit in remote-address order, not map order, so that a simulation is reproducible.
	slices.SortFunc(due, func(a, b *pending) int { return a.addr.Compare(b.addr) })
	var out []Datagram
	for _, p := range due {
		if p.kind == kindInitiation && p.hs != nil && !p.hs.fullCert {
			// The responder did not answer an Initiation that named our certificate by hash:
			// it may have forgotten it, so send the full certificate from now on.
			m.accepted.remove(p.peer.Hash)
		}
		p.useHash, p.cookieRetried = false, false
		dgs, err := m.send(now, p)
		if err != nil {
			continue // randomness failed; the next Tick tries again
		}
		m.stats.Retransmissions++
		out = append(out, dgs...)
	}
	return out
}

// NextDeadline returns the time at which Tick has work to do, or the zero time if it has none.
func (m *Machine) NextDeadline() time.Time {
	d := m.reasm.deadline()
	for _, p := range m.pending {
		t := p.next
		if g := p.started.Add(m.lim.RekeyAttemptTime); g.Before(t) {
			t = g
		}
		if d.IsZero() || t.Before(d) {
			d = t
		}
	}
	return d
}

// Stats returns the Machine's counters and table sizes.
func (m *Machine) Stats() Stats {
	s := m.stats
	s.PendingHandshakes, s.PendingCertFetches = 0, 0
	for _, p := range m.pending {
		if p.kind == kindFetch {
			s.PendingCertFetches++
		} else {
			s.PendingHandshakes++
		}
	}
	s.Reassemblies, s.ReassemblyBytes = len(m.reasm.entries), m.reasm.bytes
	s.RateLimitEntries = m.limiter.len()
	s.ReplayEntries = m.replay.len()
	s.CachedCerts = m.certCache.len()
	s.Remotes = m.remotes.len()
	return s
}

func (m *Machine) readRand(b []byte) error {
	if _, err := io.ReadFull(m.rand, b); err != nil {
		return fmt.Errorf("handshake: reading randomness: %w", err)
	}
	return nil
}

func (m *Machine) randUint32() (uint32, error) {
	var b [4]byte
	if err := m.readRand(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

// newIndex returns a random index that no pending handshake uses.
func (m *Machine) newIndex() (uint32, error) {
	for {
		i, err := m.randUint32()
		if err != nil {
			return 0, err
		}
		if m.pending[i] == nil {
			return i, nil
		}
	}
}

// jitter returns a random duration in [0, RekeyTimeoutJitter).
func (m *Machine) jitter() (time.Duration, error) {
	var b [8]byte
	if err := m.readRand(b[:]); err != nil {
		return 0, err
	}
	return time.Duration(binary.LittleEndian.Uint64(b[:]) % uint64(m.lim.RekeyTimeoutJitter)), nil
}

// freshCookies returns the cookies received from addr and whether each is still valid.
func (m *Machine) freshCookies(now time.Time, addr netip.AddrPort) (c remoteCookies, mac2, retry bool) {
	c, ok := m.remotes.get(addr)
	if !ok {
		return c, false, false
	}
	valid := func(at time.Time) bool { return !at.IsZero() && now.Sub(at) < m.lim.CookieValidity }
	return c, valid(c.mac2At), valid(c.retryAt)
}
