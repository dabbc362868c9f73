package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// Default validity periods of certificates issued by the CLI.
const (
	defaultCAValidity   = 10 * 365 * 24 * time.Hour
	defaultNodeValidity = 365 * 24 * time.Hour
	crlFileName         = "ca.crl"
)

func newCACmd() *cobra.Command {
	ca := &cobra.Command{
		Use:   "ca",
		Short: "Manage the network's certificate authority",
	}
	ca.AddCommand(newCAInitCmd(), newCASignCmd(), newCARevokeCmd())
	return ca
}

func newCAInitCmd() *cobra.Command {
	var dir, name string
	var validity time.Duration
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a new network CA (hybrid Ed25519 + ML-DSA-65 keys) in a directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ca, err := identity.NewCA(rand.Reader, name, validity, time.Now())
			if err != nil {
				return err
			}
			if err := ca.Save(dir); err != nil {
				return err
			}
			// An empty signed revocation list, so nodes can watch it from the start.
			crl, err := ca.SignRevocationList(rand.Reader, nil, 1, time.Now())
			if err != nil {
				return err
			}
			if err := identity.WriteRevocationList(filepath.Join(dir, crlFileName), crl); err != nil {
				return err
			}
			net := identity.NetworkID(ca.Cert)
			fmt.Fprintf(cmd.OutOrStdout(), "created CA %q in %s\n  certificate:     %s\n  private key:     %s (keep it offline)\n  revocation list: %s (empty)\n  network ID:      %s\n",
				name, dir, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"), filepath.Join(dir, crlFileName), hex.EncodeToString(net[:]))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "ca", "directory to create the CA in")
	cmd.Flags().StringVar(&name, "name", "x0tta6bl4-ca", "name of the CA")
	cmd.Flags().DurationVar(&validity, "validity", defaultCAValidity, "how long the CA certificate is valid")
	return cmd
}

func newCASignCmd() *cobra.Command {
	var dir, pubPath, name, out string
	var groups []string
	var validity time.Duration
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Issue a node certificate for a public key made by keygen",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pubPath == "" || name == "" {
				return errors.New("--pub and --name are required")
			}
			ca, err := identity.LoadCA(dir)
			if err != nil {
				return err
			}
			pub, err := identity.LoadPublicKey(pubPath)
			if err != nil {
				return err
			}
			now := time.Now()
			cert, err := ca.Sign(rand.Reader, pub, name, groups, now.Add(-time.Minute), now.Add(validity))
			if err != nil {
				return err
			}
			if out == "" {
				out = strings.TrimSuffix(pubPath, ".pub") + ".crt"
			}
			if err := identity.WriteCertificate(out, cert); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "issued certificate %s\n  node:    %s\n  node ID: %s\n  serial:  %s\n  valid:   %s to %s\n",
				out, name, cert.Subject, hex.EncodeToString(cert.Serial[:]),
				cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "ca", "CA directory made by ca init")
	cmd.Flags().StringVar(&pubPath, "pub", "", "node public key file made by keygen (required)")
	cmd.Flags().StringVar(&name, "name", "", "node name (required)")
	cmd.Flags().StringSliceVar(&groups, "groups", nil, "comma-separated groups")
	cmd.Flags().DurationVar(&validity, "validity", defaultNodeValidity, "how long the certificate is valid")
	cmd.Flags().StringVar(&out, "out", "", "certificate file to write (default: the public key's name with .crt)")
	return cmd
}

func newCARevokeCmd() *cobra.Command {
	var dir, out string
	var certs, serials []string
	cmd := &cobra.Command{
		Use:   "revoke",
		Short: "Add certificates to the CA's signed revocation list",
		Long: "Adds the given certificates or serials to the revocation list in the CA directory (ca.crl), " +
			"signs it with a higher number and writes it. Copy it to the nodes' revocation_list path: " +
			"running nodes reload it and drop sessions with revoked peers.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ca, err := identity.LoadCA(dir)
			if err != nil {
				return err
			}
			var revoked [][16]byte
			var number uint64 = 1
			crlPath := filepath.Join(dir, crlFileName)
			if old, err := identity.LoadRevocationList(crlPath); err == nil {
				revoked = old.Serials
				number = old.Number + 1
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			for _, c := range certs {
				cert, err := identity.LoadCertificate(c)
				if err != nil {
					return err
				}
				revoked = append(revoked, cert.Serial)
			}
			for _, s := range serials {
				b, err := hex.DecodeString(s)
				if err != nil || len(b) != 16 {
					return fmt.Errorf("--serial %q: want 32 hexadecimal characters", s)
				}
				revoked = append(revoked, [16]byte(b))
			}
			if len(certs)+len(serials) == 0 {
				return errors.New("name at least one --cert or --serial")
			}
			slices.SortFunc(revoked, func(a, b [16]byte) int { return strings.Compare(string(a[:]), string(b[:])) })
			revoked = slices.Compact(revoked)
			crl, err := ca.SignRevocationList(rand.Reader, revoked, number, time.Now())
			if err != nil {
				return err
			}
			for _, p := range []string{crlPath, out} {
				if p == "" {
					continue
				}
				if err := identity.WriteRevocationList(p, crl); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revocation list %s: number %d, %d revoked\n", crlPath, number, len(revoked))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "ca", "CA directory made by ca init")
	cmd.Flags().StringSliceVar(&certs, "cert", nil, "certificate file(s) to revoke")
	cmd.Flags().StringSliceVar(&serials, "serial", nil, "certificate serial(s) to revoke, in hex")
	cmd.Flags().StringVar(&out, "out", "", "also write the list to this file")
	return cmd
}
