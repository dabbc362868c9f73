package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// newSimCmd returns the "sim" command: a deterministic simulation of a mesh
// of real mesh.Cores on a virtual network and clock.
func newSimCmd() *cobra.Command {
	o := sim.DefaultOptions()
	var topology, eventLog string
	var asJSON bool
	names := make([]string, 0, 5)
	for _, t := range sim.Topologies() {
		names = append(names, string(t))
	}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate a mesh of many nodes on a virtual network and clock",
		Long: `Runs --nodes real mesh Cores (link probing, routing, end-to-end post-quantum handshakes
and sessions) in one process, linked by a virtual network in the chosen --topology, on a virtual clock
for --duration. Once every node has a route to every other, datagrams are sent between random pairs.
Prints the convergence time, path stretch and delivery ratio. The same --seed gives the same event
log byte for byte (its SHA-256 is printed); --event-log writes it to a file.`,
		Example: "  x0tta6bl4 sim --nodes 100 --topology grid --seed 1\n  x0tta6bl4 sim --nodes 50 --topology scale-free --loss 0.01 --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := sim.ParseTopology(topology)
			if err != nil {
				return fmt.Errorf("--topology: %w", err)
			}
			o.Topology = t
			if err := o.Validate(); err != nil {
				return fmt.Errorf("%s: %w", flagOf(err), err)
			}
			var log *os.File
			if eventLog != "" {
				if log, err = os.Create(eventLog); err != nil {
					return fmt.Errorf("--event-log: %w", err)
				}
			}
			var rep sim.Report
			if log != nil {
				rep, err = sim.Run(o, log)
				if cerr := log.Close(); err == nil && cerr != nil {
					err = fmt.Errorf("--event-log: %w", cerr)
				}
			} else {
				rep, err = sim.Run(o, nil)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(rep)
			}
			return rep.WriteText(cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Nodes, "nodes", 100, "number of nodes")
	f.StringVar(&topology, "topology", string(sim.Grid), "topology: "+strings.Join(names, ", "))
	f.Uint64Var(&o.Seed, "seed", 1, "seed of every behavioural random choice")
	f.DurationVar(&o.Duration, "duration", o.Duration, "virtual time to simulate")
	f.Float64Var(&o.Link.Loss, "loss", 0, "loss probability of every link")
	f.DurationVar(&o.Link.Latency, "latency", o.Link.Latency, "one-way latency of every link")
	f.DurationVar(&o.Link.Jitter, "jitter", o.Link.Jitter, "extra one-way delay, uniform in [0, jitter]")
	f.Int64Var(&o.Link.Bandwidth, "bandwidth", 0, "link rate in bytes per second (0: unlimited)")
	f.Float64Var(&o.TrafficRate, "rate", o.TrafficRate, "application datagrams per second after convergence")
	f.IntVar(&o.DatagramSize, "size", o.DatagramSize, "application datagram size in bytes")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringVar(&eventLog, "event-log", "", "write the event log to this file")
	return cmd
}

// flagOf returns the flag that sets the option an Options.Validate error
// names.
func flagOf(err error) string {
	msg := err.Error()
	for _, m := range []struct{ option, flag string }{
		{"Nodes", "--nodes"}, {"Topology", "--topology"}, {"Duration", "--duration"}, {"Latency", "--latency"},
		{"Jitter", "--jitter"}, {"Loss", "--loss"}, {"Bandwidth", "--bandwidth"}, {"TrafficRate", "--rate"},
		{"DatagramSize", "--size"},
	} {
		if strings.Contains(msg, ": "+m.option+":") {
			return m.flag
		}
	}
	return "sim"
}
