package node

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/handshake"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
	"github.com/x0tta6bl4/x0tta6bl4/internal/session"
)

// peer is the runtime's state for one remote node. All fields are guarded by Node.mu.
type peer struct {
	addr   netip.AddrPort
	static bool // dialled by this node: configured, or a spare learnt from peer exchange
	pin    identity.NodeID
	id     identity.NodeID
	cert   *handshake.PeerCert

	sessions session.Slots

	up            bool
	lastHandshake time.Time
	lastRecv      time.Time
	lastSent      time.Time
	nextAttempt   time.Time

	// counters of closed sessions; live sessions add their own stats
	rxBytes, txBytes, rxFrames, txFrames uint64
}

// Payload kinds of the node itself: the first byte of a non-empty session payload. The mesh core's
// kinds (mesh.IsKind, 0x10..0x1f) carry link, routing and forwarded packets.
const (
	kindEchoReq   = 0x02
	kindEchoReply = 0x03
)

// receive handles one datagram from the transport.
func (n *Node) receive(now time.Time, from netip.AddrPort, pkt, out []byte) {
	if len(pkt) == 0 {
		return
	}
	if pkt[0] == session.TypeData {
		n.receiveData(now, from, pkt, out)
		return
	}
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	res, err := n.machine.Receive(now, from, pkt)
	if err != nil {
		n.logDrop(now, from, err)
	}
	if res.Established != nil {
		n.established(now, res.Established)
	}
	n.mu.Unlock()
	n.send(res.Send)
}

func (n *Node) receiveData(now time.Time, from netip.AddrPort, pkt, out []byte) {
	idx, _, err := session.ParseHeader(pkt)
	if err != nil {
		return
	}
	n.mu.Lock()
	ref := n.sessions[idx]
	n.mu.Unlock()
	if ref == nil {
		return
	}
	payload, err := ref.s.Open(out, pkt, now)
	if err != nil {
		n.log.Debug("dropped frame", "from", from.String(), "err", err)
		return
	}
	p := ref.peer
	n.mu.Lock()
	if p.sessions.Next == ref.s {
		// The initiator's first frame confirms the responder session.
		n.rotate(p, ref.s)
	}
	p.lastRecv = now
	if p.addr != from {
		n.log.Info("peer moved", "peer", p.id.Short(), "from", p.addr.String(), "to", from.String())
		delete(n.byAddr, p.addr)
		p.addr = from
		n.byAddr[from] = p
	}
	n.markUp(now, p)
	var delivered []mesh.Datagram
	if len(payload) > 0 && mesh.IsKind(payload[0]) {
		if err := n.core.Receive(now, p.id, payload); err != nil {
			n.log.Debug("mesh payload dropped", "from", p.id.Short(), "err", err)
		}
		delivered = n.flushCore(now)
	}
	n.mu.Unlock()
	n.deliver(delivered)
	if len(payload) == 0 {
		return // keepalive
	}
	switch payload[0] {
	case kindEchoReq:
		reply := append([]byte{kindEchoReply}, payload[1:]...)
		_ = n.sendTo(p, reply)
	case kindEchoReply:
		n.pings.deliver(p.id, payload[1:], now)
	case kindPeerExchange:
		n.mu.Lock()
		n.receivePeerExchange(p, payload)
		n.mu.Unlock()
	}
}

// established installs a session from a completed handshake. Called with n.mu held.
func (n *Node) established(now time.Time, est *handshake.Established) {
	p := n.peers[est.Peer.NodeID]
	if p == nil {
		p = n.byAddr[est.Addr]
		if p != nil && !p.id.IsZero() && p.id != est.Peer.NodeID {
			p = nil // the address now belongs to another node
		}
	}
	if p == nil {
		if len(n.peers) >= MaxPeers {
			n.log.Warn("rejected peer: peer table full", "peer", identity.NodeID(est.Peer.NodeID).Short(), "addr", est.Addr.String())
			return
		}
		p = &peer{addr: est.Addr}
	}
	if !p.pin.IsZero() && p.pin != est.Peer.NodeID {
		n.logReject(now, est.Addr, "node ID does not match the configured pin", "peer", identity.NodeID(est.Peer.NodeID).Short(), "pin", p.pin.Short())
		return
	}
	if n.sessions[est.LocalIndex] != nil {
		// The responder's index is random and collides with a live session of ours about once in
		// 2^32 / sessions handshakes; refuse it, and the initiator retries with a fresh one.
		n.log.Debug("refused session: local index in use", "peer", identity.NodeID(est.Peer.NodeID).Short())
		return
	}
	s, err := session.New(session.Params{
		SendKey: est.SendKey, RecvKey: est.RecvKey,
		LocalIndex: est.LocalIndex, RemoteIndex: est.RemoteIndex,
		Initiator: est.Initiator, Created: now,
	})
	if err != nil {
		n.log.Error("creating session", "err", err)
		return
	}
	if p.addr != est.Addr {
		delete(n.byAddr, p.addr)
	}
	if p.id.IsZero() {
		p.id = est.Peer.NodeID // a peer's ID never changes once known: readers may hold it unlocked
	}
	p.addr, p.cert = est.Addr, est.Peer
	n.peers[p.id] = p
	n.byAddr[p.addr] = p
	n.sessions[est.LocalIndex] = &sessionRef{peer: p, s: s}
	p.lastHandshake = now
	n.handshakeCompleted(p.id)
	n.log.Debug("handshake complete", "peer", p.id.Short(), "initiator", est.Initiator)
	if est.Initiator {
		n.rotate(p, s)
		p.lastRecv = now
		// The first frame confirms the session to the responder.
		n.sealLocked(p, nil)
		n.markUp(now, p)
		return
	}
	if p.sessions.Next != nil {
		n.dropSession(p, p.sessions.Next)
	}
	p.sessions.Next = s
}

// rotate makes s the current session of p. Called with n.mu held.
func (n *Node) rotate(p *peer, s *session.Session) {
	if old := p.sessions.Rotate(s); old != nil {
		n.dropSession(p, old)
	}
}

// dropSession forgets a session and folds its counters into the peer. Called with n.mu held.
func (n *Node) dropSession(p *peer, s *session.Session) {
	st := s.Stats()
	p.rxBytes += st.BytesOpened
	p.txBytes += st.BytesSealed
	p.rxFrames += st.FramesOpened
	p.txFrames += st.FramesSealed
	delete(n.sessions, s.LocalIndex())
	s.Close()
	p.sessions.Remove(s)
}

// dropAll forgets every session of p. Called with n.mu held.
func (n *Node) dropAll(p *peer) {
	for _, s := range p.sessions.All() {
		n.dropSession(p, s)
	}
}

// tick runs the housekeeping of one TickInterval.
func (n *Node) tick(now time.Time) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	out := n.machine.Tick(now)
	dead := time.Duration(DeadPeerKeepalives)*n.opt.Keepalive + RestartGrace
	for _, p := range n.allPeers() {
		for _, s := range p.sessions.All() {
			if s.Expired(now) {
				n.dropSession(p, s)
			}
		}
		if p.up && now.Sub(p.lastRecv) > dead {
			n.markDown(now, p, "silent for "+now.Sub(p.lastRecv).Round(time.Millisecond).String())
			n.dropAll(p)
			p.nextAttempt = time.Time{}
		}
		if p.sessions.Current != nil && now.Sub(p.lastSent) >= n.opt.Keepalive {
			n.sealLocked(p, nil)
		}
		if n.wantsHandshake(now, p) && !now.Before(p.nextAttempt) {
			p.nextAttempt = now.Add(HandshakeRetryInterval)
			var cert *handshake.PeerCert
			if p.cert != nil {
				cert = p.cert
			}
			dg, err := n.machine.Initiate(now, p.addr, cert)
			if err != nil {
				n.log.Warn("starting handshake", "addr", p.addr.String(), "err", err)
			} else {
				n.handshakeStarted(p)
			}
			out = append(out, dg...)
		}
	}
	if now.Sub(n.pexSent) >= PeerExchangeInterval {
		n.sendPeerExchange(now)
	}
	n.dialSpares()
	n.chaosTick(now)
	n.core.Tick(now)
	n.stepHealing(now)
	delivered := n.flushCore(now)
	reload := n.opt.RevocationListPath != "" && now.Sub(n.crl.checked) >= n.opt.ReloadInterval
	n.mu.Unlock()
	n.send(out)
	n.deliver(delivered)
	if reload {
		n.mu.Lock()
		if err := n.reloadRevocationList(now, false); err != nil {
			n.log.Error("revocation list not reloaded; keeping the previous one", "path", n.opt.RevocationListPath, "err", err)
		}
		n.mu.Unlock()
	}
}

// wantsHandshake reports whether the runtime should start a handshake with p. Called with n.mu held.
func (n *Node) wantsHandshake(now time.Time, p *peer) bool {
	switch {
	case p.sessions.Current == nil:
		return p.static || p.cert != nil
	case p.sessions.Current.Initiator():
		return p.sessions.Current.NeedsRekey(now)
	default:
		return now.Sub(p.sessions.Current.Created()) >= session.RekeyAfterTime+ResponderRekeyMargin
	}
}

func (n *Node) allPeers() []*peer {
	seen := make(map[*peer]bool, len(n.byAddr))
	out := make([]*peer, 0, len(n.byAddr))
	for _, p := range n.byAddr {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range n.peers {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// sealLocked encrypts payload on p's current session and queues it for the writer goroutine
// (batch.go). Called with n.mu held; the datagram is written later, without the lock.
func (n *Node) sealLocked(p *peer, payload []byte) error {
	if p.sessions.Current == nil {
		return ErrNoSession
	}
	if err := n.tx.seal(p.sessions.Current, payload, p.addr); err != nil {
		return err
	}
	p.lastSent = time.Now()
	return nil
}

// sendTo encrypts payload to p and sends it.
func (n *Node) sendTo(p *peer, payload []byte) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	s, addr := p.sessions.Current, p.addr
	if s != nil {
		p.lastSent = time.Now()
	}
	n.mu.Unlock()
	if s == nil {
		return ErrNoSession
	}
	return n.tx.seal(s, payload, addr)
}

// Send delivers an application datagram to the node with the given ID, over as many hops as the
// mesh needs, end-to-end encrypted. It waits in a bounded queue while the end-to-end session is set
// up.
func (n *Node) Send(to identity.NodeID, payload []byte) error {
	now := time.Now()
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return ErrClosed
	}
	err := n.core.Send(now, to, payload)
	delivered := n.flushCore(now)
	n.mu.Unlock()
	n.deliver(delivered)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	return nil
}

func (n *Node) send(dgs []handshake.Datagram) {
	for _, d := range dgs {
		if err := n.conn.WriteTo(d.Data, d.To); err != nil && !errors.Is(err, ErrClosed) {
			n.log.Debug("send failed", "to", d.To.String(), "err", err)
		}
	}
}

// logDrop logs a dropped handshake message: certificate rejections at warning level (rate-limited
// per address), everything else at debug level. Called with n.mu held.
func (n *Node) logDrop(now time.Time, from netip.AddrPort, err error) {
	if errors.Is(err, handshake.ErrCert) {
		n.logReject(now, from, err.Error())
		return
	}
	n.log.Debug("dropped handshake message", "from", from.String(), "err", err)
}

func (n *Node) logReject(now time.Time, from netip.AddrPort, reason string, attrs ...any) {
	if t, ok := n.rejected[from]; ok && now.Sub(t) < RejectLogInterval {
		return
	}
	if len(n.rejected) >= MaxRejectLogEntries {
		clear(n.rejected)
	}
	n.rejected[from] = now
	n.log.Warn("rejected peer", append([]any{"addr", from.String(), "reason", reason}, attrs...)...)
}
