package main

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func newKeygenCmd() *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Create a node's hybrid keys: a private key file (0600) and its public key file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := identity.GenerateIdentity(rand.Reader)
			if err != nil {
				return err
			}
			pubPath := strings.TrimSuffix(out, ".key") + ".pub"
			if err := identity.WritePrivateKey(out, id, identity.KindNode, force); err != nil {
				return err
			}
			if err := identity.WritePublicKey(pubPath, id.PublicIdentity()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (private, mode 0600) and %s\nnode ID: %s\nnext: x0tta6bl4 ca sign --pub %s --name NAME\n",
				out, pubPath, id.ID(), pubPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "node.key", "private key file to write; the public key goes beside it as .pub")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing key file")
	return cmd
}
