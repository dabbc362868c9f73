package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

func newIncidentsCmd() *cobra.Command {
	var all bool
	cmd := newQueryCmd("incidents", "Show the self-healing incidents of a running node: open ones, or all with --all",
		cobra.NoArgs, func(ctx context.Context, c *api.Client, _ []string) ([]api.IncidentInfo, error) {
			return c.Incidents(ctx, all)
		}, printIncidents)
	cmd.Flags().BoolVar(&all, "all", false, "also show resolved incidents")
	return cmd
}

func newActionsCmd() *cobra.Command {
	return newQueryCmd("actions", "Show the self-healing actions of a running node and their outcomes",
		cobra.NoArgs, func(ctx context.Context, c *api.Client, _ []string) ([]api.ActionInfo, error) { return c.Actions(ctx) },
		printActions)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printIncidents(w io.Writer, list []api.IncidentInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSUBJECT\tDETECTED\tMTTD\tMTTR\tSTATE\tACTIONS\tSEVERITY")
	for _, i := range list {
		state, mttr := "open", "-"
		switch {
		case !i.ResolvedAt.IsZero():
			state = "resolved"
		case !i.MitigatedAt.IsZero():
			state = "mitigated"
		}
		if !i.ResolvedAt.IsZero() || !i.MitigatedAt.IsZero() {
			mttr = seconds(i.MTTR)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.16s\t%s\t%s\t%s\t%s\t%d\t%.2f\n", i.ID, i.Kind, i.Subject,
			i.DetectedAt.Local().Format(time.DateTime+".000"), seconds(i.MTTD), mttr, state, i.Actions, i.PeakSeverity)
	}
	return tw.Flush()
}

func printActions(w io.Writer, list []api.ActionInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tINCIDENT\tKIND\tSUBJECT\tAPPLIED\tOUTCOME\tREASON")
	for _, a := range list {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%.16s\t%s\t%s\t%s\n", a.ID, a.Incident, a.Kind, a.Subject,
			a.AppliedAt.Local().Format(time.DateTime+".000"), a.Outcome, a.Reason)
	}
	return tw.Flush()
}

// seconds formats a duration in seconds for a table, to the millisecond.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}
