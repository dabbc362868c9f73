package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/store"
)

// knowledgeLockTimeout is how long `knowledge check` waits for a knowledge file's lock.
const knowledgeLockTimeout = time.Second

func newKnowledgeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "knowledge",
		Short: "Back up and check the self-healing knowledge file (docs/operations.md)",
	}
	cmd.AddCommand(newKnowledgeBackupCmd(), newKnowledgeCheckCmd())
	return cmd
}

func newKnowledgeBackupCmd() *cobra.Command {
	var af apiFlags
	var out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Copy a running node's knowledge file, consistently, without stopping it",
		Long: `Downloads a consistent copy of the node's knowledge file (taken in one read transaction
while the node keeps writing), writes it to a temporary file beside --out, syncs it, opens it to
verify it, and only then renames it to --out. Restore: stop the node, put the copy in place of
its healing.knowledge file, start the node.`,
		Example: "  x0tta6bl4 knowledge backup --api http://127.0.0.1:7100 --out knowledge-backup.db",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := af.client()
			if err != nil {
				return err
			}
			return backupKnowledge(cmd.Context(), c, out, cmd.OutOrStdout())
		},
	}
	af.register(cmd)
	cmd.Flags().StringVar(&out, "out", "", "file to write (required)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newKnowledgeCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Verify a knowledge file (a backup, or the file of a stopped node) and count what it holds",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			summary, err := checkKnowledge(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", args[0], summary)
			return err
		},
	}
}

// backupKnowledge writes the node's knowledge to out through a verified temporary file.
func backupKnowledge(ctx context.Context, c *api.Client, out string, w io.Writer) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".tmp*")
	if err != nil {
		return fmt.Errorf("knowledge backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // nothing left to remove after the rename
	n, err := c.BackupKnowledge(ctx, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("knowledge backup: %w", err)
	}
	summary, err := checkKnowledge(tmp.Name())
	if err != nil {
		return fmt.Errorf("knowledge backup: the copy does not verify, nothing written to %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("knowledge backup: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s: %d bytes, verified: %s\n", out, n, summary)
	return err
}

// checkKnowledge opens the knowledge file at path, which verifies its consistency and schema, and
// counts its records.
func checkKnowledge(path string) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", err // store.Open would create a missing file
	}
	s, err := store.Open(path, store.Options{LockTimeout: knowledgeLockTimeout})
	if err != nil {
		return "", err
	}
	defer s.Close()
	inc, err := s.Incidents()
	if err != nil {
		return "", err
	}
	acts, err := s.Actions()
	if err != nil {
		return "", err
	}
	seq, err := s.LastSeq()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d incidents, %d actions, audit log up to record %d", len(inc), len(acts), seq), nil
}
