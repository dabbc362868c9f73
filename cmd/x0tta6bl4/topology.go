package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

// shortIDLen is how many hexadecimal digits of a node ID the table and graph labels show.
const shortIDLen = 16

func newTopologyCmd() *cobra.Command {
	var af apiFlags
	var asJSON, asDOT bool
	cmd := &cobra.Command{
		Use:   "topology",
		Short: "Show the mesh as a running node sees it: its links with measurements and its routes",
		Long: `Show the mesh as a running node sees it. A distance-vector node knows its own links to its
neighbours, with their measurements (round-trip time, loss, cost), and for every destination the
next hop and metric of the route in use; it does not know the links between other nodes.

By default prints a table of nodes and one of links; --json prints the API's JSON and --dot a
Graphviz graph (draw it with: x0tta6bl4 topology --dot | dot -Tsvg > mesh.svg), where solid edges
are the node's links and dotted edges lead from a next hop to the destinations routed through it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := af.client()
			if err != nil {
				return err
			}
			topo, err := c.Topology(cmd.Context())
			if err != nil {
				return err
			}
			topo = topo.Normalize()
			switch {
			case asJSON:
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(topo)
			case asDOT:
				return writeTopologyDOT(cmd.OutOrStdout(), topo)
			}
			return printTopology(cmd.OutOrStdout(), topo)
		},
	}
	af.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API's JSON")
	cmd.Flags().BoolVar(&asDOT, "dot", false, "print a Graphviz DOT graph")
	cmd.MarkFlagsMutuallyExclusive("json", "dot")
	return cmd
}

// printTopology writes the topology as two tables: the nodes with the route to each, and the links.
func printTopology(w io.Writer, t api.Topology) error {
	names := topologyNames(t)
	fmt.Fprintf(w, "mesh as seen by %s", shortID(t.Self))
	if n := names[t.Self]; n != "" {
		fmt.Fprintf(w, " (%s)", n)
	}
	fmt.Fprintf(w, ": %d nodes, %d links, %d routes\n\n", len(t.Nodes), len(t.Links), len(t.Routes))

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tNAME\tROLE\tMETRIC\tNEXT HOP")
	for _, n := range t.Nodes {
		role := "remote"
		switch {
		case n.Self:
			role = "self"
		case n.Neighbour:
			role = "neighbour"
		}
		metric, next := "unreachable", "-"
		if n.Reachable {
			metric = fmt.Sprint(n.Metric)
			if n.NextHop != "" {
				next = shortID(n.NextHop)
				if nn := names[n.NextHop]; nn != "" {
					next += " (" + nn + ")"
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shortID(n.ID), orDash(printable(n.Name)), role, metric, next)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(t.Links) == 0 {
		_, err := fmt.Fprintln(w, "\nno links")
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINK TO\tNAME\tSTATE\tRTT\tRTTVAR\tRX LOSS\tTX LOSS\tCOST")
	for _, l := range t.Links {
		state, rtt, rttvar := "down", "-", "-"
		if l.Up {
			state = "up"
		}
		if l.RTT > 0 {
			rtt, rttvar = fmt.Sprintf("%.2f ms", l.RTT), fmt.Sprintf("%.2f ms", l.RTTVar)
		}
		cost := fmt.Sprint(l.Cost)
		if l.Cost >= api.MetricInfinity {
			cost = "infinite"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f%%\t%.1f%%\t%s\n", shortID(l.To), orDash(names[l.To]), state, rtt, rttvar,
			100*l.RxLoss, 100*l.TxLoss, cost)
	}
	return tw.Flush()
}

// writeTopologyDOT writes the topology as a Graphviz digraph. The local node is drawn with a double
// border, unreachable nodes dashed; solid edges are the local node's links (dashed when down),
// dotted edges go from a next hop to a destination routed through it, since the node knows the
// route but not the path beyond its neighbour.
func writeTopologyDOT(w io.Writer, t api.Topology) error {
	names := topologyNames(t)
	var b strings.Builder
	fmt.Fprintf(&b, "// x0tta6bl4 mesh as seen by %s: solid edges are its links, dotted edges are routes beyond a next hop.\n", shortID(t.Self))
	b.WriteString("digraph mesh {\n\tnode [shape=box, fontname=\"monospace\"];\n")
	for _, n := range t.Nodes {
		label := shortID(n.ID)
		if names[n.ID] != "" {
			label = names[n.ID] + "\n" + label
		}
		attrs := []string{"label=" + dotQuote(label)}
		switch {
		case n.Self:
			attrs = append(attrs, "peripheries=2")
		case !n.Reachable:
			attrs = append(attrs, "style=dashed")
		}
		fmt.Fprintf(&b, "\t%s [%s];\n", dotQuote(n.ID), strings.Join(attrs, ", "))
	}
	for _, l := range t.Links {
		label := "down"
		if l.Up {
			label = fmt.Sprintf("cost %d", l.Cost)
			if l.RTT > 0 {
				label += fmt.Sprintf("\n%.2f ms", l.RTT)
			}
		}
		style := "solid"
		if !l.Up {
			style = "dashed"
		}
		fmt.Fprintf(&b, "\t%s -> %s [label=%s, style=%s];\n", dotQuote(l.From), dotQuote(l.To), dotQuote(label), style)
	}
	for _, r := range t.Routes {
		if r.NextHop == r.Destination || r.NextHop == t.Self {
			continue // the link itself is the route
		}
		fmt.Fprintf(&b, "\t%s -> %s [label=%s, style=dotted];\n", dotQuote(r.NextHop), dotQuote(r.Destination), dotQuote(fmt.Sprintf("metric %d", r.Metric)))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// topologyNames maps node IDs to their printable names.
func topologyNames(t api.Topology) map[string]string {
	names := make(map[string]string, len(t.Nodes))
	for _, n := range t.Nodes {
		if n.Name != "" {
			names[n.ID] = printable(n.Name)
		}
	}
	return names
}

// dotQuote returns s as a DOT double-quoted string: backslashes and quotes are escaped, so the
// string cannot end early, newlines become DOT's centred line break and other non-printable
// characters '?'.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			if !unicode.IsPrint(r) {
				r = '?'
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// printable replaces the characters of s that a terminal would interpret (control characters,
// tabs that would break the table) with '?'.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return '?'
	}, s)
}

// shortID abbreviates a node ID for display; other strings are made printable.
func shortID(id string) string {
	r := []rune(printable(id))
	if len(r) > shortIDLen {
		r = r[:shortIDLen]
	}
	return orDash(string(r))
}
