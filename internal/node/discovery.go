package node

import (
	"net/netip"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/discovery"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Timers of LAN discovery (kept beside the code they drive, as this file is the whole feature).
const (
	// LANPollInterval is how often the node reads the candidates of Options.Discovery.
	LANPollInterval = time.Second
	// LANDialTimeout is how long a peer dialled from a LAN beacon may stay without a session before
	// it is forgotten: three handshake attempts. A beacon is an unauthenticated hint, so a candidate
	// that never answers must not be retried for ever; it is offered again while it keeps beaconing.
	LANDialTimeout = 3 * HandshakeRetryInterval
)

// CandidateSource yields peers discovered on the local network segment; *discovery.Discoverer
// implements it. Candidates must be safe to call from the node's goroutine while the source runs.
type CandidateSource interface {
	// Candidates returns the candidates live at now.
	Candidates(now time.Time) []discovery.Candidate
}

// lanState is the node's side of LAN discovery. Guarded by Node.mu.
type lanState struct {
	polled  time.Time
	offered map[netip.AddrPort]*lanOffer // candidates handed to the spare peers, by address
}

// lanOffer is a candidate handed to the spare peers.
type lanOffer struct {
	id      identity.NodeID
	dialled time.Time // when the node first had a peer at the address; zero while still a spare
}

// pollLAN hands the candidates of Options.Discovery to the spare peers every LANPollInterval. They
// are dialled like spares learnt from peer exchange: only while fewer than Options.MinPeers peers
// are up, pinned to the advertised node ID, within MaxSparePeers and MaxPeers.
func (n *Node) pollLAN(now time.Time) {
	if n.opt.Discovery == nil || n.opt.MinPeers < 0 {
		return
	}
	n.mu.Lock()
	due := !n.closed && now.Sub(n.lan.polled) >= LANPollInterval
	if due {
		n.lan.polled = now
	}
	n.mu.Unlock()
	if !due {
		return
	}
	cands := n.opt.Discovery.Candidates(now) // outside n.mu: the source has its own lock
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pruneLAN(now)
	n.learnLAN(cands)
}

// learnLAN records candidates as spare peers, skipping this node, known peers and addresses in use.
// Called with n.mu held.
func (n *Node) learnLAN(cands []discovery.Candidate) {
	if n.lan.offered == nil {
		n.lan.offered = make(map[netip.AddrPort]*lanOffer)
	}
	for _, c := range cands {
		switch {
		case c.ID.IsZero() || c.ID == n.id || !c.Addr.IsValid() || c.Addr.Port() == 0:
			continue
		case n.peers[c.ID] != nil || n.byAddr[c.Addr] != nil || n.lan.offered[c.Addr] != nil:
			continue
		}
		if _, ok := n.spares[c.ID]; !ok && len(n.spares) >= MaxSparePeers {
			continue
		}
		if len(n.lan.offered) >= MaxSparePeers {
			return
		}
		n.spares[c.ID] = c.Addr
		n.lan.offered[c.Addr] = &lanOffer{id: c.ID}
		n.log.Debug("lan candidate offered", "peer", c.ID.Short(), "addr", c.Addr.String())
	}
}

// pruneLAN follows the candidates offered earlier: it forgets those that became real peers or that
// the spare list dropped, and removes the peers dialled from them that got no session within
// LANDialTimeout. Called with n.mu held.
func (n *Node) pruneLAN(now time.Time) {
	for addr, o := range n.lan.offered {
		p := n.byAddr[addr]
		switch {
		case p == nil:
			if n.spares[o.id] != addr {
				delete(n.lan.offered, addr) // replaced or dropped by the spare list
			}
		case p.pin != o.id || !p.id.IsZero():
			delete(n.lan.offered, addr) // someone else's entry, or a real peer now
		case o.dialled.IsZero():
			o.dialled = now
		case now.Sub(o.dialled) >= LANDialTimeout && p.sessions.Current == nil:
			n.log.Info("forgetting unanswered lan candidate", "peer", o.id.Short(), "addr", addr.String())
			delete(n.byAddr, addr)
			delete(n.lan.offered, addr)
		}
	}
}
