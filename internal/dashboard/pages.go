package dashboard

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// counts are the numbers the overview shows and live updates refresh.
type counts struct {
	Ready          bool   `json:"ready"`
	Reason         string `json:"reason,omitempty"`
	PeersUp        int    `json:"peers_up"`
	Peers          int    `json:"peers"`
	LinksUp        int    `json:"links_up"`
	Links          int    `json:"links"`
	Reachable      int    `json:"reachable"`
	Nodes          int    `json:"nodes"`
	Routes         int    `json:"routes"`
	Healing        bool   `json:"healing"`
	OpenIncidents  int    `json:"open_incidents"`
	Incidents      int    `json:"incidents"`
	Actions        int    `json:"actions"`
	LatestIncident uint64 `json:"latest_incident"`
}

// snapshot is one consistent read of the node for a page or a live event.
type snapshot struct {
	node      api.NodeInfo
	topo      api.Topology
	peers     []api.PeerInfo
	routes    []api.RouteInfo
	incidents []api.IncidentInfo
	actions   []api.ActionInfo
	names     names
	counts    counts
}

// read takes a snapshot of the node. Self-healing being off is not an error.
func (h *Handler) read() (*snapshot, error) {
	s := &snapshot{node: h.b.Node(), topo: h.b.Topology().Normalize(), peers: h.b.Peers(), routes: h.b.Routes()}
	var err error
	s.incidents, err = h.b.Incidents(true)
	on, err := healing(err)
	if err != nil {
		return nil, fmt.Errorf("dashboard: incidents: %w", err)
	}
	if on {
		s.actions, err = h.b.Actions()
		if _, err = healing(err); err != nil {
			return nil, fmt.Errorf("dashboard: actions: %w", err)
		}
	}
	s.names = newNames(s.topo, s.peers)
	c := &s.counts
	c.Ready, c.Reason = h.b.Ready()
	c.Reason = clean(c.Reason, 4*MaxNameLength)
	c.Peers = len(s.peers)
	for _, p := range s.peers {
		if p.State == "up" {
			c.PeersUp++
		}
	}
	c.Links = len(s.topo.Links)
	for _, l := range s.topo.Links {
		if l.Up {
			c.LinksUp++
		}
	}
	for _, n := range s.topo.Nodes {
		if !n.Self {
			c.Nodes++
			if n.Reachable {
				c.Reachable++
			}
		}
	}
	c.Routes = len(s.topo.Routes)
	c.Healing = on
	c.Incidents = len(s.incidents)
	c.Actions = len(s.actions)
	for _, in := range s.incidents {
		if in.ResolvedAt.IsZero() {
			c.OpenIncidents++
		}
		c.LatestIncident = max(c.LatestIncident, in.ID)
	}
	return s, nil
}

// overviewView is the data of the overview page.
type overviewView struct {
	Name, ID, Network, Listen, Version string
	Groups                             []string
	Started, CertExpiry                Time
	Counts                             counts
	Latest                             *incidentView
}

func (h *Handler) overview(*http.Request) (string, *view, int, error) {
	s, err := h.read()
	if err != nil {
		return "", nil, http.StatusInternalServerError, err
	}
	now := h.opt.Clock.Now()
	n := s.node
	ov := overviewView{
		Name: clean(n.Name, MaxNameLength), ID: clean(n.ID, 128), Network: clean(n.Network, 128),
		Listen: clean(n.Listen, MaxNameLength), Version: clean(n.Version, MaxNameLength),
		Started: mkTime(n.StartedAt, now), CertExpiry: mkTime(n.NotAfter, now), Counts: s.counts,
	}
	for _, g := range n.Groups {
		ov.Groups = append(ov.Groups, clean(g, MaxNameLength))
	}
	if tl := timeline(s, now, 1); len(tl) > 0 {
		ov.Latest = &tl[0]
	}
	return "overview", &view{Title: "Overview", Nav: "overview", Live: true, Now: mkTime(now, now), Data: ov}, 0, nil
}

// peerView is one row of the peers table.
type peerView struct {
	Name, ID, Address, State string
	Up                       bool
	Session                  string
	Handshake, Received      Time
	Rx, Tx                   string
}

// linkView is one row of the links table.
type linkView struct {
	Name, ID             string
	Up                   bool
	RTT, RTTVar          string
	RxLoss, TxLoss, Cost string
}

// routeView is one row of the routing table.
type routeView struct {
	Destination, NextHop string
	Metric               string
	Feasible, Selected   bool
}

// linksView is the data of the links and peers page.
type linksView struct {
	Peers  []peerView
	Links  []linkView
	Routes []routeView
	Hidden int
}

func (h *Handler) links(*http.Request) (string, *view, int, error) {
	s, err := h.read()
	if err != nil {
		return "", nil, http.StatusInternalServerError, err
	}
	now := h.opt.Clock.Now()
	var lv linksView
	peers := slices.SortedFunc(slices.Values(s.peers), func(a, b api.PeerInfo) int {
		return cmp.Or(cmp.Compare(s.names.label(a.ID), s.names.label(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	for _, p := range peers {
		lv.Peers = append(lv.Peers, peerView{
			Name: s.names.label(p.ID), ID: shortID(p.ID), Address: clean(p.Address, MaxNameLength),
			State: clean(p.State, MaxNameLength), Up: p.State == "up", Session: seconds(p.SessionAge),
			Handshake: mkTime(p.LastHandshake, now), Received: mkTime(p.LastReceived, now),
			Rx: fmt.Sprintf("%d B in %d frames", p.RxBytes, p.RxFrames), Tx: fmt.Sprintf("%d B in %d frames", p.TxBytes, p.TxFrames),
		})
	}
	for _, l := range s.topo.Links {
		lv.Links = append(lv.Links, linkView{
			Name: s.names.label(l.To), ID: shortID(l.To), Up: l.Up,
			RTT: millis(l.RTT), RTTVar: millis(l.RTTVar),
			RxLoss: percent(l.RxLoss), TxLoss: percent(l.TxLoss), Cost: metric(l.Cost),
		})
	}
	for _, r := range s.routes {
		lv.Routes = append(lv.Routes, routeView{
			Destination: s.names.label(r.Destination), NextHop: s.names.label(r.NextHop),
			Metric: metric(r.Metric), Feasible: r.Feasible, Selected: r.Selected,
		})
	}
	lv.Hidden = max(0, len(lv.Peers)-MaxListed) + max(0, len(lv.Links)-MaxListed) + max(0, len(lv.Routes)-MaxListed)
	lv.Peers, lv.Links, lv.Routes = firstN(lv.Peers), firstN(lv.Links), firstN(lv.Routes)
	return "links", &view{Title: "Links and peers", Nav: "links", Now: mkTime(now, now), Data: lv}, 0, nil
}

// firstN keeps at most MaxListed entries.
func firstN[T any](s []T) []T { return s[:min(len(s), MaxListed)] }

func millis(ms float64) string {
	if ms <= 0 {
		return "not measured"
	}
	return fmt.Sprintf("%.1f ms", ms)
}

func percent(f float64) string { return fmt.Sprintf("%.0f %%", f*100) }

func metric(m int) string {
	if m >= api.MetricInfinity {
		return "infinite"
	}
	return fmt.Sprint(m)
}
