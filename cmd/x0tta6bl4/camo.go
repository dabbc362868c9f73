package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/netip"
	"os"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/camo"
)

// camoKeySize is the size of the keys camo genkey writes.
const camoKeySize = camo.MinKeySize

func newCamoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "camo",
		Short: "Manage the network's TLS camouflage key (docs/censorship.md)",
	}
	var out string
	gen := &cobra.Command{
		Use:   "genkey",
		Short: "Write a new random camouflage key (base64) for the camo.key_file of every node",
		Long: fmt.Sprintf(`Writes %d random bytes in base64 to --out (mode 0600, never overwriting a file). Give the same
file to every node of the network and name it in camo.key_file.`, camoKeySize),
		Example: "  x0tta6bl4 camo genkey --out camo.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k := make([]byte, camoKeySize)
			_, _ = rand.Read(k) // crypto/rand.Read never returns an error (Go 1.24+)
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("camo genkey: %w", err)
			}
			if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
				f.Close()
				return fmt.Errorf("camo genkey: %w", err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("camo genkey: %w", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "camouflage key written to %s\n", out)
			return err
		},
	}
	gen.Flags().StringVar(&out, "out", "camo.key", "file to write")
	cmd.AddCommand(gen)
	return cmd
}

// nodeTransport binds the node's transport: the TLS camouflage listener when the camo section is
// on, otherwise UDP at cfg.Listen, obfuscated when the obfs section is on. It logs which.
func nodeTransport(cfg *config.Config, log *slog.Logger) (transport.Conn, error) {
	if cfg.Camo.On() {
		return camoTransport(cfg.Camo, log)
	}
	udp, err := transport.ListenUDP(netip.MustParseAddrPort(cfg.Listen))
	if err != nil {
		return nil, err
	}
	conn, err := obfsTransport(udp, cfg.Obfs, log)
	if err != nil {
		udp.Close()
		return nil, err
	}
	log.Info("transport on", "kind", "udp", "listen", conn.LocalAddr(), "obfs", cfg.Obfs.On())
	return conn, nil
}

// camoTransport listens with the TLS camouflage transport of the camo section.
func camoTransport(s config.Camo, log *slog.Logger) (transport.Conn, error) {
	cc, err := s.Transport(log.With("transport", "camo"))
	if err != nil {
		return nil, err
	}
	c, err := camo.Listen(cc)
	if err != nil {
		return nil, fmt.Errorf("camo: %w", err)
	}
	log.Info("transport on", "kind", "camo", "listen", c.LocalAddr(), "mode", s.ModeName(), "server_name", s.ServerName,
		"certificate", certificateSource(s), "decoy", decoySource(s))
	return c, nil
}

// certificateSource names where the camouflage TLS certificate comes from, for the log.
func certificateSource(s config.Camo) string {
	if s.Certificate == "" {
		return "self-signed"
	}
	return s.Certificate
}

// decoySource names the decoy served to clients that do not authenticate, for the log.
func decoySource(s config.Camo) string {
	switch {
	case s.DecoyPage != "":
		return s.DecoyPage
	case s.DecoyProxy != "":
		return s.DecoyProxy
	}
	return "placeholder page"
}
