package node

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mesh"
)

// markUp records that p has a usable session and tells the mesh core about the new neighbour.
// Called with n.mu held.
func (n *Node) markUp(now time.Time, p *peer) {
	if p.up {
		return
	}
	p.up = true
	n.log.Info("peer up", "peer", p.id.Short(), "name", p.cert.Name, "addr", p.addr.String())
	if err := n.core.NeighbourUp(now, p.id); err != nil {
		n.log.Warn("mesh refused neighbour", "peer", p.id.Short(), "err", err)
	}
	delete(n.spares, p.id)
	n.pexSent = time.Time{} // tell everyone at the next tick
	n.chaosUp(now, p)

}

// markDown records that p has no usable session any more and tells the mesh core. Called with
// n.mu held.
func (n *Node) markDown(now time.Time, p *peer, why string) {
	if !p.up {
		return
	}
	p.up = false
	n.log.Warn("peer down", "peer", p.id.Short(), "addr", p.addr.String(), "reason", why)
	n.core.NeighbourDown(now, p.id)
}

// flushCore sends what the mesh core queued for neighbours, logs its events and returns the
// datagrams it delivered to this node. Called with n.mu held.
func (n *Node) flushCore(now time.Time) []mesh.Datagram {
	for _, o := range n.core.Outbox() {
		p := n.peers[o.To]
		if p == nil || p.sessions.Current == nil {
			continue // the core learns of the loss through NeighbourDown or its link timers
		}
		if err := n.sealLocked(p, o.Payload); err != nil {
			n.log.Debug("mesh payload not sent", "to", o.To.Short(), "err", err)
		}
	}
	events := n.core.Events()
	n.observeHealing(events)
	for _, e := range events {
		switch e.Kind {
		case mesh.EventRouteInstalled, mesh.EventRouteLost, mesh.EventSessionRefused:
			n.log.Info("mesh "+e.Kind.String(), "peer", e.Peer.Short(), "next_hop", e.NextHop.Short(), "metric", e.Cost, "err", e.Err)
		default:
			n.log.Debug("mesh "+e.Kind.String(), "peer", e.Peer.Short(), "next_hop", e.NextHop.Short(), "metric", e.Cost, "reason", e.Reason.String(), "err", e.Err)
		}
	}
	return n.core.Delivered()
}

// deliver answers and checks end-to-end echoes (datagrams starting with kindEchoReq or
// kindEchoReply) and hands the other datagrams to the application. Called without n.mu.
func (n *Node) deliver(dgs []mesh.Datagram) {
	for _, d := range dgs {
		switch {
		case len(d.Data) > 0 && d.Data[0] == kindEchoReq:
			reply := append([]byte{kindEchoReply}, d.Data[1:]...)
			if err := n.Send(d.From, reply); err != nil {
				n.log.Debug("echo reply", "to", d.From.Short(), "err", err)
			}
		case len(d.Data) > 0 && d.Data[0] == kindEchoReply:
			n.pings.deliver(d.From, d.Data[1:], time.Now())
		case n.opt.OnDatagram != nil:
			n.opt.OnDatagram(d.From, d.Data)
		}
	}
}
