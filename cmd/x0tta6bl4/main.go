// Command x0tta6bl4 runs a node of the x0tta6bl4 self-healing post-quantum mesh network and the tools
// that go with it: the network CA, key generation, benchmarks and the demo.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	return 0
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "x0tta6bl4",
		Short:         "A self-healing, post-quantum mesh network node",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newDemoCmd(),
		newNodeCmd(),
		newPeersCmd(),
		newPingCmd(),
		newRoutesCmd(),
		newTopologyCmd(),
		newIncidentsCmd(),
		newActionsCmd(),
		newKnowledgeCmd(),
		newModelCmd(),
		newSimCmd(),
		newCACmd(),
		newKeygenCmd(),
		newObfsCmd(),
		newCamoCmd(),
		newBenchCmd(),
		newDPCmd(),
		newFLCmd(),
		newConfigCmd(),
		newVersionCmd(),
	)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "x0tta6bl4", version)
			return err
		},
	}
}

func newBenchCmd() *cobra.Command {
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Run measured benchmarks and print reports",
	}
	bench.AddCommand(newBenchHandshakeCmd(), newBenchSessionCmd(), newBenchTimingCmd(), newBenchRerouteCmd(), newBenchGraphSAGECmd(),
		newBenchStreamCmd(), newBenchStreamPeerCmd(), newBenchAnomalyCmd())
	return bench
}
