package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newRoutesCmd() *cobra.Command {
	var af apiFlags
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "routes",
		Short: "Show the routing table of a running node: destination, next hop, metric",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := af.client()
			if err != nil {
				return err
			}
			routes, err := c.Routes(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(routes)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DESTINATION\tNEXT HOP\tMETRIC\tSEQNO\tSELECTED")
			for _, r := range routes {
				if !r.Selected && !all {
					continue
				}
				fmt.Fprintf(tw, "%.16s\t%.16s\t%d\t%d\t%v\n", r.Destination, r.NextHop, r.Metric, r.Seqno, r.Selected)
			}
			return tw.Flush()
		},
	}
	af.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&all, "all", false, "also show routes that are not selected")
	return cmd
}
