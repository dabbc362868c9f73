package handshake

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/subtle"
	"fmt"
	"net/netip"
	"time"
)

// response builds the responder's Response to an Initiation from peer whose sender index was
// receiver, and the unconfirmed responder session. sym is the state after the Initiation; it is
// erased.
func (m *Machine) response(now time.Time, from netip.AddrPort, receiver uint32, eI *ecdh.PublicKey, emI *mlkem.EncapsulationKey768, peer *PeerCert, sym *symmetric) ([]byte, *Established, error) {
	index, err := m.newIndex()
	if err != nil {
		return nil, nil, err
	}
	var seed [KeySize]byte
	if err := m.readRand(seed[:]); err != nil {
		return nil, nil, err
	}
	eR, err := ecdh.X25519().NewPrivateKey(seed[:])
	clear(seed[:])
	if err != nil {
		return nil, nil, fmt.Errorf("handshake: ephemeral X25519 key: %w", err)
	}
	msg := response{sender: index, receiver: receiver}
	copy(msg.ephX[:], eR.PublicKey().Bytes())
	sym.mixHash(msg.ephX[:])

	// ee: ephemeral X25519 with ephemeral X25519, and ML-KEM to the initiator's ephemeral key.
	dh3, err := eR.ECDH(eI)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ee: %w", ErrDecrypt, err)
	}
	ss2, ct2 := emI.Encapsulate()
	msg.ct2 = ct2
	sym.mixHash(ct2)
	k := sym.mixKey(dh3, ss2)
	clear(k[:])
	clear(dh3)
	clear(ss2)

	// se: our ephemeral X25519 with the initiator's static X25519, and ML-KEM to its static key.
	dh4, err := eR.ECDH(peer.Static.X25519())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: initiator's static X25519 key: %w", ErrCert, err)
	}
	ss3, ct3 := peer.Static.MLKEM().Encapsulate()
	msg.ct3 = ct3
	sym.mixHash(ct3)
	k3 := sym.mixKey(dh4, ss3)
	clear(dh4)
	clear(ss3)
	sym.seal(msg.encEmpty[:0], &k3, nil)

	b := msg.marshal()
	key := labeledHash(labelMAC1, peer.Hash[:])
	mac1 := mac(key[:], b[:len(b)-2*MACSize])
	copy(b[len(b)-2*MACSize:], mac1[:])

	ir, ri := sym.transportKeys()
	return b, &Established{
		Peer: peer, Addr: from, Initiator: false,
		LocalIndex: index, RemoteIndex: receiver,
		SendKey: ri, RecvKey: ir, At: now,
	}, nil
}

// handleResponse is the initiator's side of a Response: find the pending handshake, check the
// macs, finish the key exchange and confirm the responder with the empty AEAD message.
func (m *Machine) handleResponse(now time.Time, from netip.AddrPort, b []byte) (Result, error) {
	msg, err := parseResponse(b)
	if err != nil {
		return Result{}, err
	}
	p := m.pending[msg.receiver]
	if p == nil || p.kind != kindInitiation {
		return Result{}, fmt.Errorf("%w: Response to index %#08x", ErrNoPending, msg.receiver)
	}
	want := mac(m.mac1Key[:], b[:len(b)-2*MACSize])
	if subtle.ConstantTimeCompare(msg.mac1[:], want[:]) != 1 {
		return Result{}, fmt.Errorf("%w: Response mac1", ErrMAC)
	}
	var zero [MACSize]byte
	if msg.mac2 != zero {
		return Result{}, fmt.Errorf("%w: Response mac2 is reserved and must be zero", ErrMAC)
	}
	hs := p.hs
	sym := hs.sym // a copy: a forged Response must not spoil the pending state
	defer sym.erase()
	sym.mixHash(msg.ephX[:])
	eR, err := ecdh.X25519().NewPublicKey(msg.ephX[:])
	if err != nil {
		return Result{}, fmt.Errorf("%w: ephemeral X25519 key: %w", ErrMalformed, err)
	}
	dh3, err := hs.e.ECDH(eR)
	if err != nil {
		return Result{}, fmt.Errorf("%w: ee: %w", ErrDecrypt, err)
	}
	ss2, err := hs.em.Decapsulate(msg.ct2)
	if err != nil {
		clear(dh3)
		return Result{}, fmt.Errorf("%w: ML-KEM ciphertext: %w", ErrMalformed, err)
	}
	sym.mixHash(msg.ct2)
	k := sym.mixKey(dh3, ss2)
	clear(k[:])
	clear(dh3)
	clear(ss2)
	k3, err := m.mixStatic(&sym, eR, msg.ct3, "se")
	if err != nil {
		return Result{}, err
	}
	if _, err := sym.open(&k3, msg.encEmpty[:]); err != nil {
		return Result{}, fmt.Errorf("response: %w", err)
	}
	ir, ri := sym.transportKeys()
	if hs.fullCert {
		m.accepted.put(p.peer.Hash, true)
	}
	m.removePending(p)
	m.stats.InitiatorEstablished++
	return Result{Established: &Established{
		Peer: p.peer, Addr: from, Initiator: true,
		LocalIndex: p.index, RemoteIndex: msg.sender,
		SendKey: ir, RecvKey: ri, At: now,
	}}, nil
}

// handleCookieReply stores the cookie a responder under load sent for a pending Initiation and
// resends the Initiation with mac2 at once, unless a cookie already triggered a resend since the
// last retransmission.
func (m *Machine) handleCookieReply(now time.Time, b []byte) (Result, error) {
	r, err := parseCookieReply(b)
	if err != nil {
		return Result{}, err
	}
	p := m.pending[r.receiver]
	if p == nil || p.kind != kindInitiation {
		return Result{}, fmt.Errorf("%w: CookieReply to index %#08x", ErrNoPending, r.receiver)
	}
	cookie, err := openCookieReply(r, &p.peer.Hash, &p.hs.mac1)
	if err != nil {
		return Result{}, err
	}
	c, _ := m.remotes.get(p.addr)
	c.mac2, c.mac2At = cookie, now
	m.remotes.put(p.addr, c)
	if p.cookieRetried {
		return Result{}, nil
	}
	p.cookieRetried = true
	p.useHash = !p.hs.fullCert
	dgs, err := m.send(now, p)
	if err != nil {
		return Result{}, err
	}
	return Result{Send: dgs}, nil
}
