package node

import (
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Node implements api.Backend.
var (
	_ api.Backend          = (*Node)(nil)
	_ api.KnowledgeBackend = (*Node)(nil)
)

// Node describes the local node for the API.
func (n *Node) Node() api.NodeInfo {
	network := identity.NetworkID(n.opt.CA)
	return api.NodeInfo{
		ID:        n.id.String(),
		Name:      n.opt.Cert.Name,
		Groups:    slices.Clone(n.opt.Cert.Groups),
		Network:   hex.EncodeToString(network[:8]),
		Listen:    n.conn.LocalAddr().String(),
		Version:   n.opt.Version,
		StartedAt: n.started,
		NotAfter:  n.opt.Cert.NotAfter,
	}
}

// Peers lists the configured and connected peers, sorted by name then address.
func (n *Node) Peers() []api.PeerInfo {
	now := time.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []api.PeerInfo
	for _, p := range n.allPeers() {
		info := api.PeerInfo{Address: p.addr.String(), State: "connecting",
			LastHandshake: p.lastHandshake, LastReceived: p.lastRecv,
			RxBytes: p.rxBytes, TxBytes: p.txBytes, RxFrames: p.rxFrames, TxFrames: p.txFrames}
		if !p.id.IsZero() {
			info.ID = p.id.String()
		}
		if p.cert != nil {
			info.Name = p.cert.Name
		}
		if p.up {
			info.State = "up"
		} else if !p.lastHandshake.IsZero() {
			info.State = "down"
		}
		if p.sessions.Current != nil {
			info.SessionAge = now.Sub(p.sessions.Current.Created()).Seconds()
		}
		for _, s := range p.sessions.All() {
			st := s.Stats()
			info.RxBytes += st.BytesOpened
			info.TxBytes += st.BytesSealed
			info.RxFrames += st.FramesOpened
			info.TxFrames += st.FramesSealed
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b api.PeerInfo) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Address, b.Address)
	})
	return out
}

// Routes lists the mesh routing table for the API.
func (n *Node) Routes() []api.RouteInfo {
	n.mu.Lock()
	rs := n.core.Routes()
	n.mu.Unlock()
	out := make([]api.RouteInfo, 0, len(rs))
	for _, r := range rs {
		out = append(out, api.RouteInfo{Destination: r.Dst.String(), NextHop: r.NextHop.String(),
			Metric: int(r.Metric), Seqno: int(r.Seqno), Feasible: r.Feasible, Selected: r.Selected})
	}
	return out
}

// Ready reports whether at least one peer is up, or no peers are configured.
func (n *Node) Ready() (bool, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.opt.Peers) == 0 && len(n.peers) == 0 {
		return true, ""
	}
	for _, p := range n.allPeers() {
		if p.up {
			return true, ""
		}
	}
	return false, "no peer is connected"
}
