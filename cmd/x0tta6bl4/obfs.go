package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/config"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/obfs"
)

func newObfsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "obfs",
		Short: "Manage the network's UDP obfuscation key (docs/censorship.md)",
	}
	var out string
	gen := &cobra.Command{
		Use:   "genkey",
		Short: "Write a new random obfuscation key (base64) for the obfs.key_file of every node",
		Long: `Writes 32 random bytes in base64 to --out (mode 0600, never overwriting a file). Give the same
file to every node of the network and name it in obfs.key_file.`,
		Example: "  x0tta6bl4 obfs genkey --out obfs.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := obfs.GenerateKey(rand.Reader)
			if err != nil {
				return err
			}
			text, err := k.MarshalText()
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("obfs genkey: %w", err)
			}
			if _, err := f.Write(append(text, '\n')); err != nil {
				f.Close()
				return fmt.Errorf("obfs genkey: %w", err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("obfs genkey: %w", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "obfuscation key written to %s\n", out)
			return err
		},
	}
	gen.Flags().StringVar(&out, "out", "obfs.key", "file to write")
	cmd.AddCommand(gen)
	return cmd
}

// obfsTransport wraps conn in the obfuscation of the obfs section; without a key file it returns
// conn unchanged.
func obfsTransport(conn transport.Conn, o config.Obfs, log *slog.Logger) (transport.Conn, error) {
	if !o.On() {
		return conn, nil
	}
	oc, err := o.Transport()
	if err != nil {
		return nil, err
	}
	oc.Rand = rand.Reader
	c, err := obfs.New(conn, oc)
	if err != nil {
		return nil, fmt.Errorf("obfs: %w", err)
	}
	log.Info("UDP obfuscation on", "key_file", o.KeyFile, "shape", oc.Shape, "junk", oc.JunkCount)
	return c, nil
}
