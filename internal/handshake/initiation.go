package handshake

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/subtle"
	"fmt"
	"net/netip"
	"time"
)

// initiatorState is what the initiator keeps between its Initiation and the Response.
type initiatorState struct {
	e        *ecdh.PrivateKey           // ephemeral X25519 key
	em       *mlkem.DecapsulationKey768 // ephemeral ML-KEM-768 key
	sym      symmetric                  // after the Initiation
	mac1     [MACSize]byte              // mac1 of the Initiation, the AD of a CookieReply
	fullCert bool                       // the Initiation carried our full certificate
}

// erase drops the ephemeral keys and erases the symmetric state. Go's ecdh and mlkem keys are
// opaque: their memory is released to the garbage collector, not overwritten.
func (s *initiatorState) erase() {
	s.sym.erase()
	s.e, s.em = nil, nil
}

// nextTimestamp returns a timestamp from now that is strictly after the timestamps sent before, so
// that two Initiations made at one instant are not refused as replays of each other. After the
// clock went back by MaxClockSkew or more, it follows the clock again: responders would refuse a
// timestamp that far ahead of their own clocks anyway.
func (m *Machine) nextTimestamp(now time.Time) timestamp {
	ts := timestampOf(now)
	if !ts.after(m.lastTS) && m.lastTS.time().Sub(now) < m.lim.MaxClockSkew {
		ts = m.lastTS.next()
	}
	m.lastTS = ts
	return ts
}

// initiation builds an Initiation to p.peer with the given sender index.
func (m *Machine) initiation(now time.Time, p *pending, index uint32) ([]byte, *initiatorState, error) {
	peer := p.peer
	var seed [KeySize]byte
	if err := m.readRand(seed[:]); err != nil {
		return nil, nil, err
	}
	e, err := ecdh.X25519().NewPrivateKey(seed[:])
	clear(seed[:])
	if err != nil {
		return nil, nil, fmt.Errorf("handshake: ephemeral X25519 key: %w", err)
	}
	em, err := mlkem.GenerateKey768()
	if err != nil {
		return nil, nil, fmt.Errorf("handshake: ephemeral ML-KEM key: %w", err)
	}
	hs := &initiatorState{e: e, em: em, sym: initialState(&m.networkID, &peer.Hash), fullCert: !p.useHash}
	msg := initiation{sender: index, ephEK: em.EncapsulationKey().Bytes()}
	copy(msg.ephX[:], e.PublicKey().Bytes())
	hs.sym.mixHash(msg.ephX[:])
	hs.sym.mixHash(msg.ephEK)

	// es: ephemeral X25519 with the responder's static X25519, and ML-KEM to its static key.
	dh1, err := e.ECDH(peer.Static.X25519())
	if err != nil {
		hs.erase()
		return nil, nil, fmt.Errorf("%w: responder's static X25519 key: %w", ErrCert, err)
	}
	ss1, ct1 := peer.Static.MLKEM().Encapsulate()
	msg.ct1 = ct1
	hs.sym.mixHash(ct1)
	k1 := hs.sym.mixKey(dh1, ss1)
	clear(dh1)
	clear(ss1)
	var ref []byte
	if p.useHash {
		ref = append([]byte{certRefHash}, m.certHash[:]...)
	} else {
		ref = append([]byte{certRefFull}, m.cert...)
	}
	msg.encCert = hs.sym.seal(nil, &k1, ref)

	// ss: static X25519 with static X25519.
	dh2, err := m.staticX.ECDH(peer.Static.X25519())
	if err != nil {
		hs.erase()
		return nil, nil, fmt.Errorf("%w: responder's static X25519 key: %w", ErrCert, err)
	}
	k2 := hs.sym.mixKey(dh2)
	clear(dh2)
	ts := m.nextTimestamp(now).encode()
	msg.encTS = hs.sym.seal(nil, &k2, ts[:])

	b := msg.marshal()
	key := labeledHash(labelMAC1, peer.Hash[:])
	hs.mac1 = mac(key[:], b[:len(b)-2*MACSize])
	copy(b[len(b)-2*MACSize:], hs.mac1[:])
	if c, ok, _ := m.freshCookies(now, p.addr); ok {
		mac2 := mac(c.mac2[:], b[:len(b)-MACSize])
		copy(b[len(b)-MACSize:], mac2[:])
	}
	return b, hs, nil
}

// handleInitiation is the responder's side: check mac1, the load and cookie policy, run the key
// exchange, verify the certificate and the timestamp, and answer with a Response.
func (m *Machine) handleInitiation(now time.Time, from netip.AddrPort, b []byte) (Result, error) {
	msg, err := parseInitiation(b, m.lim.MaxMessageSize)
	if err != nil {
		return Result{}, err
	}
	want := mac(m.mac1Key[:], b[:len(b)-2*MACSize])
	if subtle.ConstantTimeCompare(msg.mac1[:], want[:]) != 1 {
		return Result{}, fmt.Errorf("%w: Initiation mac1", ErrMAC)
	}
	if m.underLoad(now) {
		ok, err := m.validMAC2(now, from, b)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			reply, err := m.cookieReply(now, from, msg.sender, &msg.mac1)
			if err != nil {
				return Result{}, err
			}
			return Result{Send: []Datagram{{To: from, Data: reply}}}, fmt.Errorf("%w: under load", ErrCookieRequired)
		}
		if err := m.rateLimit(now, from); err != nil {
			return Result{}, err
		}
	}

	m.stats.InitiationsProcessed++
	sym := m.responderState
	defer sym.erase()
	sym.mixHash(msg.ephX[:])
	sym.mixHash(msg.ephEK)
	eI, err := ecdh.X25519().NewPublicKey(msg.ephX[:])
	if err != nil {
		return Result{}, fmt.Errorf("%w: ephemeral X25519 key: %w", ErrMalformed, err)
	}
	emI, err := mlkem.NewEncapsulationKey768(msg.ephEK)
	if err != nil {
		return Result{}, fmt.Errorf("%w: ephemeral ML-KEM key: %w", ErrMalformed, err)
	}
	k1, err := m.mixStatic(&sym, eI, msg.ct1, "es")
	if err != nil {
		return Result{}, err
	}
	ref, err := sym.open(&k1, msg.encCert)
	if err != nil {
		return Result{}, fmt.Errorf("certificate: %w", err)
	}
	peer, full, err := m.resolveCert(now, ref)
	if err != nil {
		return Result{}, err
	}
	dh2, err := m.staticX.ECDH(peer.Static.X25519())
	if err != nil {
		return Result{}, fmt.Errorf("%w: initiator's static X25519 key: %w", ErrCert, err)
	}
	k2 := sym.mixKey(dh2)
	clear(dh2)
	tsb, err := sym.open(&k2, msg.encTS)
	if err != nil {
		return Result{}, fmt.Errorf("timestamp: %w", err)
	}
	ts, err := decodeTimestamp(tsb)
	if err != nil {
		return Result{}, err
	}
	if ts.time().After(now.Add(m.lim.MaxClockSkew)) {
		return Result{}, fmt.Errorf("%w: %s is more than %s ahead", ErrTimestamp, ts.time().UTC().Format(time.RFC3339Nano), m.lim.MaxClockSkew)
	}
	if last, ok := m.replay.get(peer.NodeID); ok && !ts.after(last) {
		return Result{}, fmt.Errorf("%w: timestamp not after the last one accepted from %x", ErrReplay, peer.NodeID[:8])
	}

	resp, est, err := m.response(now, from, msg.sender, eI, emI, peer, &sym)
	if err != nil {
		return Result{}, err
	}
	dgs, err := m.packetize(from, resp)
	if err != nil {
		return Result{}, err
	}
	m.replay.put(peer.NodeID, ts)
	if full {
		m.certCache.put(peer.Hash, append([]byte(nil), peer.Raw...))
	}
	m.stats.ResponderEstablished++
	return Result{Send: dgs, Established: est}, nil
}

// resolveCert turns a decrypted certificate reference into a verified certificate. It reports
// whether the reference carried the full certificate.
func (m *Machine) resolveCert(now time.Time, ref []byte) (*PeerCert, bool, error) {
	if len(ref) < 2 {
		return nil, false, fmt.Errorf("%w: empty certificate reference", ErrMalformed)
	}
	var raw []byte
	switch ref[0] {
	case certRefHash:
		if len(ref) != 1+HashSize {
			return nil, false, fmt.Errorf("%w: certificate hash is %d bytes", ErrMalformed, len(ref)-1)
		}
		var ok bool
		if raw, ok = m.certCache.get([HashSize]byte(ref[1:])); !ok {
			return nil, false, fmt.Errorf("%w: %x", ErrUnknownPeer, ref[1:9])
		}
	case certRefFull:
		raw = ref[1:]
	default:
		return nil, false, fmt.Errorf("%w: certificate reference kind %#02x", ErrMalformed, ref[0])
	}
	peer, err := m.verifyCert(now, raw)
	if err != nil {
		return nil, false, err
	}
	if ref[0] == certRefHash && peer.Hash != [HashSize]byte(ref[1:]) {
		return nil, false, fmt.Errorf("%w: certificate hash does not match the reference", ErrCert)
	}
	return peer, ref[0] == certRefFull, nil
}

// verifyCert runs the Verifier and checks that the certificate can be used for a handshake.
func (m *Machine) verifyCert(now time.Time, raw []byte) (*PeerCert, error) {
	peer, err := m.verifier.VerifyCert(raw, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCert, err)
	}
	if peer == nil {
		return nil, fmt.Errorf("%w: verifier returned no certificate", ErrCert)
	}
	if err := m.checkPeer(peer); err != nil {
		return nil, err
	}
	return peer, nil
}

// mixStatic runs the step that authenticates this node's static key: X25519 between the peer's
// ephemeral key and our static key, ML-KEM-768 decapsulation of ct with our static key, then mixes
// the ciphertext into the transcript and both secrets into the chaining key. step names it in
// errors ("es" for the responder, "se" for the initiator). The secrets are erased before it returns.
func (m *Machine) mixStatic(sym *symmetric, peerEphemeral *ecdh.PublicKey, ct []byte, step string) ([KeySize]byte, error) {
	dh, err := m.staticX.ECDH(peerEphemeral)
	if err != nil {
		return [KeySize]byte{}, fmt.Errorf("%w: %s: %w", ErrDecrypt, step, err)
	}
	defer clear(dh)
	ss, err := m.static.MLKEM().Decapsulate(ct)
	if err != nil {
		return [KeySize]byte{}, fmt.Errorf("%w: ML-KEM ciphertext: %w", ErrMalformed, err)
	}
	defer clear(ss)
	sym.mixHash(ct)
	return sym.mixKey(dh, ss), nil
}
