package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
)

// configYAMLIndent is the indentation of the YAML that config show and config check print, as in
// the example configurations.
const configYAMLIndent = 2

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show a running node's effective configuration, or check a configuration file",
	}
	cmd.AddCommand(newConfigShowCmd(), newConfigCheckCmd())
	return cmd
}

func newConfigShowCmd() *cobra.Command {
	var af apiFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration of a running node, defaults filled in, secrets redacted",
		Long: "Fetches GET /api/v1/config and prints it as YAML (a valid configuration file) or JSON. " +
			"The API token and the private key are never shown: only the paths of their files.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := af.client()
			if err != nil {
				return err
			}
			info, err := c.Config(cmd.Context())
			if err != nil {
				return err
			}
			return printConfig(cmd.OutOrStdout(), info, asJSON, "effective configuration of the node at "+af.url)
		},
	}
	af.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newConfigCheckCmd() *cobra.Command {
	var path string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Load and validate a configuration file offline and print its effective configuration",
		Long: "Reports every problem of the file at once; a valid file is printed as a running node " +
			"would serve it at /api/v1/config. No file that the configuration names is read.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(path)
			if err != nil {
				return err
			}
			return printConfig(cmd.OutOrStdout(), api.NewConfigInfo(cfg), asJSON, path+" is valid; effective configuration")
		},
	}
	cmd.Flags().StringVar(&path, "config", "node.yaml", "configuration file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printConfig writes info as JSON, or as YAML headed by comments: title, and a warning when chaos
// faults are configured.
func printConfig(w io.Writer, info api.ConfigInfo, asJSON bool, title string) error {
	if asJSON {
		return printJSON(w, info)
	}
	if _, err := fmt.Fprintf(w, "# %s\n", title); err != nil {
		return err
	}
	if info.Chaos.On() {
		if _, err := fmt.Fprintln(w, "# WARNING: chaos is on: faults are being injected on this node's transport"); err != nil {
			return err
		}
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(configYAMLIndent)
	if err := enc.Encode(info); err != nil {
		return err
	}
	return enc.Close()
}
