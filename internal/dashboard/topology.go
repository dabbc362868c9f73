package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// Roles of a node in the drawing.
const (
	roleSelf      = "self"
	roleNeighbour = "neighbour"
	roleRemote    = "remote"
)

// topoNode is one node of the drawing and one row of its table.
type topoNode struct {
	// Anchor is the id of the node's table row; the drawing links to it.
	Anchor string
	// Label is the name shown; Role is self, neighbour or remote; Status is the short state text
	// under the name.
	Label, ID, Role, Status string
	// Name is the accessible name of the node in the drawing.
	Name string
	// Link is the neighbour's link state (up, down), empty for others.
	Link      string
	Reachable bool
	NextHop   string
	Metric    string
	// X and Y are the centre of the node's shape; the label starts at LX, anchored at TextAnchor
	// (start or end), beside the shape away from the centre.
	X, Y, LX   float64
	TextAnchor string
}

// topoEdge is a line of the drawing: a link of the local node (up or down) or the first hop of a
// route to a remote node.
type topoEdge struct {
	// Kind is link-up, link-down or route; the template draws each with its own dash pattern.
	Kind           string
	X1, Y1, X2, Y2 float64
	// Label is the text drawn at LX, LY, anchored at TextAnchor.
	Label      string
	LX, LY     float64
	TextAnchor string
}

// topologyView is the data of the topology page.
type topologyView struct {
	// ViewBox is the drawing's viewBox; Width and Height its size in CSS pixels.
	ViewBox       string
	Width, Height int
	Nodes         []topoNode
	Edges         []topoEdge
	Self          string
	Hidden        int
}

// layout places the nodes of t: the local node in the centre, its neighbours evenly on a ring
// around it, remote nodes on an outer ring next to the neighbour their route goes through, and
// nodes without a usable next hop spread over the outer ring. Nodes after the first MaxListed
// are left out and counted in Hidden.
func layout(t api.Topology, nm names) topologyView {
	tv := topologyView{Width: svgWidth, Height: svgHeight}
	cx, cy := float64(svgWidth)/2, float64(svgHeight)/2
	nodes := t.Nodes
	if len(nodes) > MaxListed {
		tv.Hidden = len(nodes) - MaxListed
		nodes = nodes[:MaxListed]
	}
	links := map[string]api.TopologyLink{}
	for _, l := range t.Links {
		links[l.To] = l
	}
	var self *api.TopologyNode
	var neigh, remote []api.TopologyNode
	for i := range nodes {
		switch n := nodes[i]; {
		case n.Self || n.ID == t.Self:
			self = &nodes[i]
		case n.Neighbour:
			neigh = append(neigh, n)
		default:
			remote = append(remote, n)
		}
	}
	pos := map[string][2]float64{}
	angle := map[string]float64{}
	if self != nil {
		tv.Self = nm.label(self.ID)
		pos[self.ID] = [2]float64{cx, cy}
		tv.Nodes = append(tv.Nodes, tv.node(*self, roleSelf, links, nm, cx, cy))
	}
	for i, n := range neigh {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(len(neigh))
		x, y := cx+ringNeighbour*math.Cos(a), cy+ringNeighbour*math.Sin(a)
		pos[n.ID], angle[n.ID] = [2]float64{x, y}, a
		tv.Nodes = append(tv.Nodes, tv.node(n, roleNeighbour, links, nm, x, y))
	}
	groups := map[string][]api.TopologyNode{}
	var orphans []api.TopologyNode
	for _, n := range remote {
		if _, ok := angle[n.NextHop]; ok && n.Reachable {
			groups[n.NextHop] = append(groups[n.NextHop], n)
		} else {
			orphans = append(orphans, n)
		}
	}
	for _, via := range neigh {
		g := groups[via.ID]
		for j, n := range g {
			a := angle[via.ID] + (float64(j)-float64(len(g)-1)/2)*remoteSpread
			x, y := cx+ringRemote*math.Cos(a), cy+ringRemote*math.Sin(a)
			pos[n.ID] = [2]float64{x, y}
			tv.Nodes = append(tv.Nodes, tv.node(n, roleRemote, links, nm, x, y))
		}
	}
	step := math.Pi / float64(max(1, len(neigh)))
	for i, n := range orphans {
		a := -math.Pi/2 + step + 2*math.Pi*float64(i)/float64(len(orphans))
		x, y := cx+ringRemote*math.Cos(a), cy+ringRemote*math.Sin(a)
		pos[n.ID] = [2]float64{x, y}
		tv.Nodes = append(tv.Nodes, tv.node(n, roleRemote, links, nm, x, y))
	}
	if self != nil {
		for _, n := range neigh {
			l, ok := links[n.ID]
			if !ok {
				continue
			}
			p := pos[n.ID]
			e := topoEdge{Kind: "link-down", X1: cx, Y1: cy, X2: p[0], Y2: p[1], Label: "down"}
			if l.Up {
				e.Kind, e.Label = "link-up", "cost "+metric(l.Cost)
				if l.RTT > 0 {
					e.Label = fmt.Sprintf("%.1f ms, cost %s", l.RTT, metric(l.Cost))
				}
			}
			labelEdge(&e)
			tv.Edges = append(tv.Edges, e)
		}
	}
	for _, n := range nodes {
		from, ok := pos[n.NextHop]
		to := pos[n.ID]
		if !ok || n.Self || n.NextHop == n.ID || !n.Reachable {
			continue
		}
		e := topoEdge{Kind: "route", X1: from[0], Y1: from[1], X2: to[0], Y2: to[1], Label: "metric " + metric(n.Metric)}
		labelEdge(&e)
		tv.Edges = append(tv.Edges, e)
	}
	for i := range tv.Nodes {
		tv.Nodes[i].Anchor = fmt.Sprintf("node-%d", i+1)
	}
	tv.fit()
	return tv
}

// fit sets the drawing's viewBox to the box around its nodes, labels and line labels, estimating
// text widths, with a margin; Width and Height become that box's size, so the drawing is shown
// at its natural scale.
func (tv *topologyView) fit() {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	grow := func(l, t, r, b float64) {
		x0, y0, x1, y1 = min(x0, l), min(y0, t), max(x1, r), max(y1, b)
	}
	text := func(x, w float64, anchor string) (l, r float64) {
		switch anchor {
		case "start":
			return x, x + w
		case "end":
			return x - w, x
		}
		return x - w/2, x + w/2
	}
	for _, n := range tv.Nodes {
		w := max(labelCharWidth*float64(len([]rune(n.Label))), statusCharWidth*float64(len([]rune(n.Status))))
		l, r := text(n.LX, w, n.TextAnchor)
		grow(min(l, n.X-nodeExtent), n.Y-nodeExtent, max(r, n.X+nodeExtent), n.Y+nodeExtent)
	}
	for _, e := range tv.Edges {
		l, r := text(e.LX, statusCharWidth*float64(len([]rune(e.Label))), e.TextAnchor)
		grow(l, e.LY-nodeExtent/2, r, e.LY+nodeExtent/2)
	}
	if len(tv.Nodes) == 0 {
		return
	}
	tv.ViewBox = fmt.Sprintf("%.0f %.0f %.0f %.0f", x0-drawingMargin, y0-drawingMargin, x1-x0+2*drawingMargin, y1-y0+2*drawingMargin)
	tv.Width, tv.Height = int(math.Ceil(x1-x0+2*drawingMargin)), int(math.Ceil(y1-y0+2*drawingMargin))
}

// labelEdge places e's label at the middle of its line, edgeLabelOffset to the side of it, anchored
// so that the text runs away from the line.
func labelEdge(e *topoEdge) {
	dx, dy := e.X2-e.X1, e.Y2-e.Y1
	l := max(math.Hypot(dx, dy), 1)
	nx, ny := -dy/l, dx/l
	e.LX, e.LY = (e.X1+e.X2)/2+nx*edgeLabelOffset, (e.Y1+e.Y2)/2+ny*edgeLabelOffset
	switch {
	case nx > 0.3:
		e.TextAnchor = "start"
	case nx < -0.3:
		e.TextAnchor = "end"
	default:
		e.TextAnchor = "middle"
	}
	if ny > 0.3 {
		e.LY += 10
	}
}

// node describes n for the drawing and the table, with its accessible name such as
// "gamma, remote, at least 2 hops via beta, metric 513".
func (tv *topologyView) node(n api.TopologyNode, role string, links map[string]api.TopologyLink, nm names, x, y float64) topoNode {
	tn := topoNode{Label: nm.label(n.ID), ID: shortID(n.ID), Role: role, Reachable: n.Reachable, Metric: metric(n.Metric),
		X: x, Y: y, LX: x + labelGap, TextAnchor: "start"}
	if x < float64(tv.Width)/2-1 {
		tn.LX, tn.TextAnchor = x-labelGap, "end"
	}
	if n.NextHop != "" {
		tn.NextHop = nm.label(n.NextHop)
	}
	parts := []string{tn.Label}
	switch role {
	case roleSelf:
		tn.Status, tn.Metric = "this node", "0"
		parts = append(parts, "this node")
	case roleNeighbour:
		tn.Link = "no link"
		if l, ok := links[n.ID]; ok {
			tn.Link = map[bool]string{true: "up", false: "down"}[l.Up]
		}
		tn.Status = "link " + tn.Link
		parts = append(parts, "neighbour", "link "+tn.Link)
		switch {
		case !n.Reachable:
			tn.Status += ", unreachable"
			parts = append(parts, "unreachable")
		case n.NextHop == n.ID || n.NextHop == "":
			parts = append(parts, "1 hop, metric "+tn.Metric)
		default:
			tn.Status += ", via " + tn.NextHop
			parts = append(parts, "via "+tn.NextHop+", metric "+tn.Metric)
		}
	default:
		parts = append(parts, "remote")
		if n.Reachable && n.NextHop != "" {
			tn.Status = "via " + tn.NextHop
			parts = append(parts, "at least 2 hops via "+tn.NextHop+", metric "+tn.Metric)
		} else {
			tn.Status = "unreachable"
			parts = append(parts, "unreachable")
		}
	}
	tn.Name = strings.Join(parts, ", ")
	return tn
}

func (h *Handler) topology(*http.Request) (string, *view, int, error) {
	s, err := h.read()
	if err != nil {
		return "", nil, http.StatusInternalServerError, err
	}
	now := h.opt.Clock.Now()
	tv := layout(s.topo, s.names)
	return "topology", &view{Title: "Topology", Nav: "topology", Now: mkTime(now, now), Data: tv}, 0, nil
}
