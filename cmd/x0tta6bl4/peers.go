package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
)

type apiFlags struct {
	url       string
	tokenFile string
}

func (f *apiFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.url, "api", "http://"+defaultAPI(), "the node's local API URL")
	cmd.Flags().StringVar(&f.tokenFile, "token-file", "", "file holding the API bearer token, if the node requires one")
}

func defaultAPI() string { return "127.0.0.1:7100" }

func (f *apiFlags) client() (*api.Client, error) {
	c := &api.Client{Base: f.url}
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, err
		}
		c.Token = strings.TrimSpace(string(b))
	}
	return c, nil
}

func newPeersCmd() *cobra.Command {
	return newQueryCmd("peers", "Show the peers of a running node: ID, name, address, state, session age and bytes",
		cobra.NoArgs, func(ctx context.Context, c *api.Client, _ []string) ([]api.PeerInfo, error) { return c.Peers(ctx) },
		printPeers)
}

// newQueryCmd returns a command that asks a running node's API with get and prints the answer with
// print, or as JSON with --json. Extra flags are added to the returned command by the caller.
func newQueryCmd[T any](use, short string, args cobra.PositionalArgs,
	get func(ctx context.Context, c *api.Client, args []string) (T, error), print func(io.Writer, T) error) *cobra.Command {
	var af apiFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := af.client()
			if err != nil {
				return err
			}
			v, err := get(cmd.Context(), c, args)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), v)
			}
			return print(cmd.OutOrStdout(), v)
		},
	}
	af.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printPeers(w io.Writer, peers []api.PeerInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE ID\tNAME\tADDRESS\tSTATE\tSESSION AGE\tRX\tTX")
	for _, p := range peers {
		id := p.ID
		if len(id) > 16 {
			id = id[:16]
		}
		if id == "" {
			id = "-"
		}
		age := "-"
		if p.SessionAge > 0 {
			age = (time.Duration(p.SessionAge * float64(time.Second))).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, orDash(p.Name), p.Address, p.State, age, bytesString(p.RxBytes), bytesString(p.TxBytes))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func bytesString(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}

func newPingCmd() *cobra.Command {
	var af apiFlags
	var req api.PingRequest
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ping NODE",
		Short: "Send numbered echo datagrams to a node through a running node and check every reply",
		Long: "NODE is a peer name, a node ID or a unique prefix of one. A direct peer is pinged on its " +
			"link; any other node the mesh has a route to is pinged end to end, through the relays.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := af.client()
			if err != nil {
				return err
			}
			req.Peer = args[0]
			res, err := c.Ping(cmd.Context(), req)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d sent, %d received, %d lost, %d duplicated, %d corrupted in %.2fs; rtt min/avg/max %.3f/%.3f/%.3f ms\n",
				res.Sent, res.Received, res.Lost, res.Duplicated, res.Corrupted, res.Seconds, res.RTTMin, res.RTTAvg, res.RTTMax)
			if res.Lost+res.Duplicated+res.Corrupted > 0 {
				return fmt.Errorf("ping: %d lost, %d duplicated, %d corrupted", res.Lost, res.Duplicated, res.Corrupted)
			}
			return nil
		},
	}
	af.register(cmd)
	cmd.Flags().IntVar(&req.Count, "count", 10, "datagrams to send")
	cmd.Flags().IntVar(&req.Size, "size", 64, "payload bytes per datagram")
	cmd.Flags().IntVar(&req.Window, "window", api.DefaultPingWindow, "datagrams in flight at once")
	cmd.Flags().Float64Var(&req.Timeout, "timeout", 30, "seconds to wait")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
