package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/chaos"
	"github.com/x0tta6bl4/x0tta6bl4/internal/sim"
)

// newSimCmd returns the "sim" command: a deterministic simulation of a mesh
// of real mesh.Cores on a virtual network and clock.
func newSimCmd() *cobra.Command {
	o := sim.DefaultOptions()
	var topology, eventLog, scenario, outDir string
	var asJSON bool
	var params chaos.Params
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
log byte for byte (its SHA-256 is printed); --event-log writes it to a file.

With --scenario NAME it runs a chaos scenario instead, with every node's self-healing agent on:
faults are injected while probe traffic measures delivery, and it prints MTTD, MTTR, delivery
before/during/after, healing actions, false positives and forwarding loops, and writes NAME.json
and NAME.md into --out. "--scenario list" lists the scenarios.`,
		Example: "  x0tta6bl4 sim --nodes 100 --topology grid --seed 1\n  x0tta6bl4 sim --nodes 50 --topology scale-free --loss 0.01 --json\n" +
			"  x0tta6bl4 sim --scenario list\n  x0tta6bl4 sim --scenario node-crash --nodes 100 --seed 1 --out reports",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := sim.ParseTopology(topology)
			if err != nil {
				return fmt.Errorf("--topology: %w", err)
			}
			o.Topology = t
			if err := o.Validate(); err != nil {
				return fmt.Errorf("%s: %w", flagOf(err), err)
			}
			if scenario != "" {
				return runScenario(cmd.OutOrStdout(), scenario, o, params, outDir)
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
	f.StringVar(&scenario, "scenario", "", `chaos scenario to run ("list" lists them)`)
	f.StringVar(&outDir, "out", ".", "directory for the scenario's NAME.json and NAME.md")
	f.Float64Var(&params.FaultRate, "fault-rate", chaos.DefaultFaultRate, "monkey: faults per minute of virtual time")
	f.IntVar(&params.CascadeSteps, "cascade-steps", chaos.DefaultCascadeSteps, "cascade: nodes killed")
	f.DurationVar(&params.Span, "span", chaos.DefaultSpan, "monkey and none: virtual time of the fault phase")
	f.IntVar(&params.ProbePairs, "probe-pairs", chaos.ProbePairs, "scenario: random pairs probed")
	f.DurationVar(&params.ProbeInterval, "probe-interval", chaos.ProbeInterval, "scenario: interval between two probes of a pair")
	return cmd
}

// runScenario runs the chaos scenario name (or lists them), prints its
// table to w and writes NAME.json and NAME.md into dir.
func runScenario(w io.Writer, name string, o sim.Options, p chaos.Params, dir string) error {
	if name == "list" {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, sc := range chaos.Scenarios() {
			fmt.Fprintf(tw, "%s\t%s\n", sc.Name, sc.Summary)
		}
		return tw.Flush()
	}
	if _, err := chaos.Lookup(name); err != nil {
		return fmt.Errorf("--scenario: %w", err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%s: %w", scenarioFlagOf(err), err)
	}
	rep, err := chaos.Run(name, o, p)
	if err != nil {
		return err
	}
	if err := rep.WriteText(w); err != nil {
		return err
	}
	for _, out := range []struct {
		ext   string
		write func(io.Writer) error
	}{{".json", rep.WriteJSON}, {".md", rep.WriteMarkdown}} {
		var buf bytes.Buffer
		if err := out.write(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+out.ext), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	return nil
}

// scenarioFlagOf returns the flag that sets the field a Params.Validate
// error names.
func scenarioFlagOf(err error) string {
	msg := err.Error()
	for _, m := range []struct{ field, flag string }{
		{"FaultRate", "--fault-rate"}, {"CascadeSteps", "--cascade-steps"}, {"Span", "--span"},
		{"ProbePairs", "--probe-pairs"}, {"ProbeInterval", "--probe-interval"},
	} {
		if strings.Contains(msg, ": "+m.field+":") {
			return m.flag
		}
	}
	return "--scenario"
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
