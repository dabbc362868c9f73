package handshake

import (
	"crypto/subtle"
	"fmt"
	"net/netip"
	"time"
)

// certRequest builds a CertRequest to addr with the Retry cookie received from it, if fresh.
func (m *Machine) certRequest(now time.Time, addr netip.AddrPort, index uint32) []byte {
	var cookie [CookieSize]byte
	if c, _, ok := m.freshCookies(now, addr); ok {
		cookie = c.retry
	}
	return marshalCertRequest(index, &cookie)
}

// handleCertRequest answers a CertRequest: with a Retry when its cookie is not valid for the
// source address (stateless, smaller than the request), with our certificate when it is.
func (m *Machine) handleCertRequest(now time.Time, from netip.AddrPort, b []byte) (Result, error) {
	sender, cookie, err := parseCertRequest(b)
	if err != nil {
		return Result{}, err
	}
	ok, err := m.checkCookie(now, cookieDomainRetry, from, func(c []byte) bool {
		return subtle.ConstantTimeCompare(c, cookie[:]) == 1
	})
	if err != nil {
		return Result{}, err
	}
	if !ok {
		c, err := m.cookieFor(now, cookieDomainRetry, from)
		if err != nil {
			return Result{}, err
		}
		m.stats.CookieRepliesSent++
		return Result{Send: []Datagram{{To: from, Data: marshalRetry(sender, &c)}}}, fmt.Errorf("%w: CertRequest without a valid cookie", ErrCookieRequired)
	}
	if err := m.rateLimit(now, from); err != nil {
		return Result{}, err
	}
	dgs, err := m.packetize(from, marshalCertReply(sender, m.cert))
	if err != nil {
		return Result{}, err
	}
	return Result{Send: dgs}, nil
}

// pendingFetch returns the certificate fetch with the given index.
func (m *Machine) pendingFetch(index uint32, what string) (*pending, error) {
	p := m.pending[index]
	if p == nil || p.kind != kindFetch {
		return nil, fmt.Errorf("%w: %s to index %#08x", ErrNoPending, what, index)
	}
	return p, nil
}

// handleRetry stores the cookie of a Retry and resends the CertRequest with it at once, unless a
// Retry already triggered a resend since the last retransmission.
func (m *Machine) handleRetry(now time.Time, b []byte) (Result, error) {
	receiver, cookie, err := parseRetry(b)
	if err != nil {
		return Result{}, err
	}
	p, err := m.pendingFetch(receiver, "Retry")
	if err != nil {
		return Result{}, err
	}
	c, _ := m.remotes.get(p.addr)
	c.retry, c.retryAt = cookie, now
	m.remotes.put(p.addr, c)
	if p.cookieRetried {
		return Result{}, nil
	}
	p.cookieRetried = true
	dgs, err := m.send(now, p)
	if err != nil {
		return Result{}, err
	}
	return Result{Send: dgs}, nil
}

// handleCertReply verifies the certificate of a CertReply and starts the handshake with it.
func (m *Machine) handleCertReply(now time.Time, b []byte) (Result, error) {
	receiver, raw, err := parseCertReply(b, m.lim.MaxMessageSize)
	if err != nil {
		return Result{}, err
	}
	p, err := m.pendingFetch(receiver, "CertReply")
	if err != nil {
		return Result{}, err
	}
	peer, err := m.verifyCert(now, append([]byte(nil), raw...))
	if err != nil {
		return Result{}, err
	}
	p.kind, p.peer, p.started, p.useHash, p.cookieRetried = kindInitiation, peer, now, false, false
	dgs, err := m.send(now, p)
	if err != nil {
		// Keep fetching: the next retransmission sends a CertRequest again.
		p.kind, p.peer = kindFetch, nil
		return Result{}, err
	}
	return Result{Send: dgs}, nil
}
