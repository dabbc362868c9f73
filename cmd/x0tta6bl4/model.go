package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/x0tta6bl4/x0tta6bl4/internal/api"
	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

func newModelCmd() *cobra.Command {
	model := &cobra.Command{
		Use:   "model",
		Short: "Inspect and roll back a node's federated global models; sign and verify model records",
		Long: `A global model version is a record signed by the round's coordinator: the model file, its round,
strategy, privacy budget, participants and parent, named by the SHA-256 of its signed body
(docs/models.md). list, show, history and rollback talk to a running node's API; sign and verify
work on record files offline.`,
	}
	model.AddCommand(newModelListCmd(), newModelShowCmd(), newModelHistoryCmd(), newModelRollbackCmd(),
		newModelSignCmd(), newModelVerifyCmd(), newModelPublishCmd())
	return model
}

func newModelListCmd() *cobra.Command {
	return newQueryCmd("list", "List the model versions a running node stores, oldest round first; * marks the current one",
		cobra.NoArgs, func(ctx context.Context, c *api.Client, _ []string) ([]api.ModelInfo, error) { return c.Models(ctx) },
		printModels)
}

func newModelShowCmd() *cobra.Command {
	return newQueryCmd("show ID", "Show one model version of a running node (ID or a unique prefix of 8+ digits) with its lineage",
		cobra.ExactArgs(1), func(ctx context.Context, c *api.Client, args []string) (api.ModelDetail, error) {
			return c.Model(ctx, args[0])
		}, printModelDetail)
}

func newModelHistoryCmd() *cobra.Command {
	return newQueryCmd("history", "Show how a running node's current model changed: acceptances and rollbacks, oldest first",
		cobra.NoArgs, func(ctx context.Context, c *api.Client, _ []string) ([]api.ModelChange, error) {
			return c.ModelHistory(ctx)
		},
		printModelHistory)
}

func newModelRollbackCmd() *cobra.Command {
	var af apiFlags
	var asJSON bool
	var reason string
	cmd := &cobra.Command{
		Use:   "rollback ID",
		Short: "Make an earlier stored model version current again on a running node (ID or unique prefix)",
		Long: `rollback makes an earlier stored version the node's current model and records when and why. The
highest round the node has seen does not go back: the next version it accepts must still have a
higher round, and must be built on the rolled-back-to version.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := af.client()
			if err != nil {
				return err
			}
			// Resolve a prefix to the full ID first: the rollback itself takes only full IDs.
			d, err := c.Model(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			ch, err := c.RollbackModel(cmd.Context(), api.ModelRollbackRequest{ID: d.Model.ID, Reason: reason})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), ch)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "rolled back to %s (round %d) from %.16s; change %d: %s\n",
				ch.To, ch.Round, ch.From, ch.Seq, ch.Reason)
			return err
		},
	}
	af.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&reason, "reason", "", "why, recorded in the node's model history (default: "+registry.DefaultRollbackReason+")")
	return cmd
}

// signFlags are the parameters of model sign.
type signFlags struct {
	key, cert, payload, out, kind, strategy, parent, created string
	round                                                    uint64
	epsRound, epsTotal, delta                                float64
	participants                                             []string
}

func (f *signFlags) params() (registry.Params, error) {
	p := registry.Params{Kind: f.kind, Round: f.round, Strategy: f.strategy, EpsilonRound: f.epsRound,
		EpsilonTotal: f.epsTotal, Delta: f.delta, Created: time.Now()}
	var err error
	if f.parent != "" {
		if p.Parent, err = registry.ParseID(strings.ToLower(f.parent)); err != nil {
			return p, fmt.Errorf("--parent: %w", err)
		}
	}
	if f.created != "" {
		if p.Created, err = time.Parse(time.RFC3339Nano, f.created); err != nil {
			return p, fmt.Errorf("--created: %w", err)
		}
	}
	for _, s := range f.participants {
		id, err := identity.ParseNodeID(strings.ToLower(strings.TrimSpace(s)))
		if err != nil {
			return p, fmt.Errorf("--participants: %w", err)
		}
		p.Participants = append(p.Participants, id)
	}
	if p.Payload, err = registry.ReadFileLimit(f.payload, registry.MaxPayloadSize); err != nil {
		return p, fmt.Errorf("--payload: %w", err)
	}
	return p, nil
}

func newModelSignCmd() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign a model file with a node's key and certificate into a model version record (offline)",
		Example: "  x0tta6bl4 model sign --key coord.key --cert coord.crt --payload meshdetect.model \\\n" +
			"    --kind meshdetect/v1 --round 1 --strategy fedavg --out round1.model",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.key == "" || f.cert == "" || f.payload == "" || f.out == "" {
				return errors.New("--key, --cert, --payload and --out are required")
			}
			p, err := f.params()
			if err != nil {
				return err
			}
			id, err := identity.LoadPrivateKey(f.key)
			if err != nil {
				return err
			}
			cert, err := identity.LoadCertificate(f.cert)
			if err != nil {
				return err
			}
			r, err := registry.Sign(p, id.Signing, cert)
			if err != nil {
				return err
			}
			if err := registry.WriteRecordFile(f.out, r); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "signed model version %s\n", r.ID)
			printRecord(w, r)
			_, err = fmt.Fprintf(w, "  record:       %s (%d bytes)\n", f.out, len(r.Raw()))
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", "the coordinator's node private key file (required)")
	fl.StringVar(&f.cert, "cert", "", "the coordinator's node certificate file (required)")
	fl.StringVar(&f.payload, "payload", "", "the model file to sign (required)")
	fl.StringVar(&f.out, "out", "", "record file to write (required)")
	fl.StringVar(&f.kind, "kind", "", "the model file's format, such as meshdetect/v1 (required)")
	fl.StringVar(&f.strategy, "strategy", "", "the aggregation strategy, such as fedavg (required)")
	fl.Uint64Var(&f.round, "round", 0, "the federated round, from 1 (required)")
	fl.StringVar(&f.parent, "parent", "", "ID of the version the round started from (none for a first version)")
	fl.Float64Var(&f.epsRound, "epsilon-round", 0, "differential-privacy ε spent by this round")
	fl.Float64Var(&f.epsTotal, "epsilon-total", 0, "differential-privacy ε spent by all rounds up to this one")
	fl.Float64Var(&f.delta, "delta", 0, "the δ the ε values hold for")
	fl.StringSliceVar(&f.participants, "participants", nil, "comma-separated node IDs whose updates were aggregated")
	fl.StringVar(&f.created, "created", "", "creation time, RFC 3339 (default: now)")
	return cmd
}

func newModelVerifyCmd() *cobra.Command {
	var caPath, crlPath, group, at, payloadOut string
	cmd := &cobra.Command{
		Use:   "verify RECORD",
		Short: "Verify a model version record against the network's CA certificate (offline)",
		Long: `verify checks a record as a node does before accepting it: the payload matches its hash, the
coordinator's certificate is a node certificate of the CA, valid now (or --at) and not revoked by
--crl, lists --group if given, and both halves of the signature (Ed25519 and ML-DSA-65) verify.
The node's own acceptance rules (round, parent) need its store and are not checked here.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if caPath == "" {
				return errors.New("--ca is required")
			}
			caCert, err := identity.LoadCertificate(caPath)
			if err != nil {
				return err
			}
			iv, err := identity.NewVerifier(caCert)
			if err != nil {
				return err
			}
			if crlPath != "" {
				crl, err := identity.LoadRevocationList(crlPath)
				if err != nil {
					return err
				}
				if err := iv.SetRevocationList(crl); err != nil {
					return err
				}
			}
			now := time.Now()
			if at != "" {
				if now, err = time.Parse(time.RFC3339Nano, at); err != nil {
					return fmt.Errorf("--at: %w", err)
				}
			}
			r, err := registry.LoadRecordFile(args[0])
			if err != nil {
				return err
			}
			v := registry.Verifier{Identity: iv, CoordinatorGroup: group}
			if err := v.Verify(r, now); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "verified model version %s\n", r.ID)
			printRecord(w, r)
			fmt.Fprintf(w, "  signature:    Ed25519 + ML-DSA-65 valid; certificate issued by %q, valid until %s\n",
				caCert.Name, r.Certificate.NotAfter.UTC().Format(time.RFC3339))
			if payloadOut != "" {
				if err := os.WriteFile(payloadOut, r.Payload, registry.RecordFileMode); err != nil {
					return err
				}
				fmt.Fprintf(w, "  payload written to %s\n", payloadOut)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&caPath, "ca", "", "the network's CA certificate file (required)")
	fl.StringVar(&crlPath, "crl", "", "the CA's revocation list file")
	fl.StringVar(&group, "group", "", "require the coordinator's certificate to list this group")
	fl.StringVar(&at, "at", "", "verify at this time, RFC 3339 (default: now)")
	fl.StringVar(&payloadOut, "payload-out", "", "write the verified model file here")
	return cmd
}

// printRecord prints the signed fields of r, indented.
func printRecord(w io.Writer, r *registry.Record) {
	parent := "none (first version)"
	if !r.Parent.IsZero() {
		parent = r.Parent.String()
	}
	fmt.Fprintf(w, "  kind:         %s\n  round:        %d\n  parent:       %s\n  strategy:     %s\n", r.Kind, r.Round, parent, r.Strategy)
	fmt.Fprintf(w, "  privacy:      ε %g this round, ε %g in total, δ %g\n", r.EpsilonRound, r.EpsilonTotal, r.Delta)
	fmt.Fprintf(w, "  participants: %d\n  created:      %s\n", len(r.Participants), r.Created.Format(time.RFC3339Nano))
	fmt.Fprintf(w, "  coordinator:  %s (%s)\n", r.Certificate.Name, r.Coordinator)
	fmt.Fprintf(w, "  payload:      %d bytes, sha256 %s\n", r.PayloadSize, hex.EncodeToString(r.PayloadHash[:]))
}

func printModels(w io.Writer, list []api.ModelInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tID\tROUND\tKIND\tSTRATEGY\tε ROUND\tε TOTAL\tPARTICIPANTS\tPARENT\tCREATED")
	for _, m := range list {
		cur, parent := "", "-"
		if m.Current {
			cur = "*"
		}
		if m.Parent != "" {
			parent = m.Parent[:min(16, len(m.Parent))]
		}
		fmt.Fprintf(tw, "%s\t%.16s\t%d\t%s\t%s\t%g\t%g\t%d\t%s\t%s\n", cur, m.ID, m.Round, m.Kind, m.Strategy,
			m.EpsilonRound, m.EpsilonTotal, m.Participants, parent, m.CreatedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

func printModelDetail(w io.Writer, d api.ModelDetail) error {
	m := d.Model
	state := "stored"
	if m.Current {
		state = "current"
	}
	parent := m.Parent
	if parent == "" {
		parent = "none (first version)"
	}
	fmt.Fprintf(w, "model version %s (%s)\n", m.ID, state)
	fmt.Fprintf(w, "  kind:         %s\n  round:        %d\n  parent:       %s\n  strategy:     %s\n", m.Kind, m.Round, parent, m.Strategy)
	fmt.Fprintf(w, "  privacy:      ε %g this round, ε %g in total, δ %g\n", m.EpsilonRound, m.EpsilonTotal, m.Delta)
	fmt.Fprintf(w, "  created:      %s\n  accepted:     %s\n", m.CreatedAt.Local().Format(time.DateTime+".000"),
		m.AcceptedAt.Local().Format(time.DateTime+".000"))
	fmt.Fprintf(w, "  coordinator:  %s (%s, certificate serial %s)\n", d.CoordinatorName, m.Coordinator, d.CoordinatorSerial)
	fmt.Fprintf(w, "  payload:      %d bytes, sha256 %s\n", m.PayloadSize, m.PayloadSHA256)
	fmt.Fprintf(w, "  participants: %d\n", len(d.Participants))
	for _, p := range d.Participants {
		fmt.Fprintf(w, "    %s\n", p)
	}
	end := "first version reached"
	if !d.LineageComplete {
		end = "older ancestors no longer stored"
	}
	fmt.Fprintf(w, "  lineage:      %d stored ancestors, %s\n", len(d.Lineage), end)
	for _, a := range d.Lineage {
		fmt.Fprintf(w, "    round %-6d %.16s  %s\n", a.Round, a.ID, a.Strategy)
	}
	return nil
}

func printModelHistory(w io.Writer, list []api.ModelChange) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tAT\tACTION\tFROM\tTO\tROUND\tREASON")
	for _, c := range list {
		from := c.From
		if from == "" {
			from = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.16s\t%.16s\t%d\t%s\n", c.Seq, c.At.Local().Format(time.DateTime), c.Action, from, c.To, c.Round, c.Reason)
	}
	return tw.Flush()
}
