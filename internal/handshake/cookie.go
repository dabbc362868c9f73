package handshake

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// cookieSecrets are the responder's rotating cookie secrets (WireGuard's Rm).
type cookieSecrets struct {
	cur, prev [KeySize]byte
	at        time.Time // when cur was drawn; zero before the first use
	hasPrev   bool
}

// rotate draws a new secret when the current one is CookieRefreshTime old. The previous secret
// stays valid for one more period so that cookies do not die at a rotation.
func (m *Machine) rotateCookieSecret(now time.Time) error {
	c := &m.cookie
	age := now.Sub(c.at)
	if !c.at.IsZero() && age < m.lim.CookieRefreshTime {
		return nil
	}
	c.prev, c.hasPrev = c.cur, !c.at.IsZero() && age < 2*m.lim.CookieRefreshTime
	if err := m.readRand(c.cur[:]); err != nil {
		return err
	}
	c.at = now
	return nil
}

// addrBytes encodes a source address for cookies: the IPv6 (or IPv4-mapped) address and the
// port, little endian.
func addrBytes(domain byte, a netip.AddrPort) []byte {
	ip := a.Addr().As16()
	b := append([]byte{domain}, ip[:]...)
	return binary.LittleEndian.AppendUint16(b, a.Port())
}

// cookieFor returns the current cookie of addr in the given domain.
func (m *Machine) cookieFor(now time.Time, domain byte, addr netip.AddrPort) ([CookieSize]byte, error) {
	if err := m.rotateCookieSecret(now); err != nil {
		return [CookieSize]byte{}, err
	}
	return mac(m.cookie.cur[:], addrBytes(domain, addr)), nil
}

// checkCookie reports whether check(cookie) holds for the cookie of addr under the current or
// the previous secret.
func (m *Machine) checkCookie(now time.Time, domain byte, addr netip.AddrPort, check func(cookie []byte) bool) (bool, error) {
	if err := m.rotateCookieSecret(now); err != nil {
		return false, err
	}
	a := addrBytes(domain, addr)
	c := mac(m.cookie.cur[:], a)
	if check(c[:]) {
		return true, nil
	}
	if !m.cookie.hasPrev {
		return false, nil
	}
	c = mac(m.cookie.prev[:], a)
	return check(c[:]), nil
}

// validMAC2 reports whether the mac2 at the end of msg is valid for the source address.
func (m *Machine) validMAC2(now time.Time, from netip.AddrPort, msg []byte) (bool, error) {
	body, got := msg[:len(msg)-MACSize], msg[len(msg)-MACSize:]
	var zero [MACSize]byte
	if subtle.ConstantTimeCompare(got, zero[:]) == 1 {
		return false, nil
	}
	return m.checkCookie(now, cookieDomainMAC2, from, func(cookie []byte) bool {
		want := mac(cookie, body)
		return subtle.ConstantTimeCompare(got, want[:]) == 1
	})
}

// cookieReply returns a CookieReply for an Initiation from addr with the given sender index and
// mac1.
func (m *Machine) cookieReply(now time.Time, from netip.AddrPort, sender uint32, mac1 *[MACSize]byte) ([]byte, error) {
	cookie, err := m.cookieFor(now, cookieDomainMAC2, from)
	if err != nil {
		return nil, err
	}
	r := cookieReply{receiver: sender}
	if err := m.readRand(r.nonce[:]); err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(m.cookieKey[:])
	if err != nil {
		panic("handshake: XChaCha20-Poly1305: " + err.Error()) // the key size is fixed
	}
	aead.Seal(r.encCookie[:0], r.nonce[:], cookie[:], mac1[:])
	m.stats.CookieRepliesSent++
	return r.marshal(), nil
}

// openCookieReply decrypts the cookie of a CookieReply sent by the responder whose certificate
// hash is respHash, in answer to a message whose mac1 was mac1.
func openCookieReply(r *cookieReply, respHash *[HashSize]byte, mac1 *[MACSize]byte) ([CookieSize]byte, error) {
	var cookie [CookieSize]byte
	key := labeledHash(labelCookie, respHash[:])
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		panic("handshake: XChaCha20-Poly1305: " + err.Error()) // the key size is fixed
	}
	if _, err := aead.Open(cookie[:0], r.nonce[:], r.encCookie[:], mac1[:]); err != nil {
		return cookie, fmt.Errorf("%w: cookie: %w", ErrDecrypt, err)
	}
	return cookie, nil
}

// tokenBucket is a token bucket of rate tokens per second holding at most burst tokens.
type tokenBucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newTokenBucket(rate, burst int) *tokenBucket {
	return &tokenBucket{rate: float64(rate), burst: float64(burst), tokens: float64(burst)}
}

// refill adds the tokens earned since the last call.
func (b *tokenBucket) refill(now time.Time) {
	if b.last.IsZero() {
		b.last = now
		return
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(b.burst, b.tokens+d.Seconds()*b.rate)
		b.last = now
	}
}

// take removes one token and reports whether there was one.
func (b *tokenBucket) take(now time.Time) bool {
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// full reports whether the bucket is full at now, so that forgetting it changes nothing.
func (b *tokenBucket) full(now time.Time) bool {
	b.refill(now)
	return b.tokens >= b.burst
}

// underLoad counts one Initiation against MaxInitiationsPerSecond and reports whether the
// responder is under load.
func (m *Machine) underLoad(now time.Time) bool {
	ok := m.load.take(now)
	m.stats.UnderLoad = m.forcedLoad || !ok
	return m.stats.UnderLoad
}

// rateLimit applies the per-source rate limit to a message from addr.
func (m *Machine) rateLimit(now time.Time, from netip.AddrPort) error {
	src := from.Addr()
	b, ok := m.limiter.get(src)
	if !ok {
		if m.limiter.len() >= m.lim.MaxRateLimitEntries {
			m.limiter.removeOldestWhile(func(_ netip.Addr, b *tokenBucket) bool { return b.full(now) })
			if m.limiter.len() >= m.lim.MaxRateLimitEntries {
				return fmt.Errorf("%w: rate-limit table full", ErrRateLimited)
			}
		}
		b = newTokenBucket(m.lim.RateLimitPerSecond, m.lim.RateLimitBurst)
		m.limiter.put(src, b)
	}
	if !b.take(now) {
		return fmt.Errorf("%w: %s", ErrRateLimited, src)
	}
	return nil
}

// SetUnderLoad forces the responder to demand cookies (true) or returns it to automatic load
// detection (false).
func (m *Machine) SetUnderLoad(on bool) { m.forcedLoad = on }
