// Command chartcheck validates rendered Kubernetes manifests offline: it splits each file (or
// standard input for "-") into YAML documents, decodes every document strictly into the typed
// struct of its kind, and applies the project's policy (package chartcheck).
//
// Usage:
//
//	helm template x deploy/helm/x0tta6bl4 -f values.yaml | chartcheck [-allow-cap NET_ADMIN] [-configmaps DIR] -
//
// With -configmaps, the data of every ConfigMap that passed is written to DIR/NAME/KEY, so that
// other tools can check it (CI runs `x0tta6bl4 config check` on the node configurations).
//
// It prints one line per problem and exits 1 if there is any, 2 on a usage error, and 0 after a
// summary line of the documents it checked.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/x0tta6bl4/x0tta6bl4/deploy/helm/chartcheck"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// capList is a repeatable flag.
type capList []string

func (c *capList) String() string { return strings.Join(*c, ",") }

func (c *capList) Set(v string) error {
	if v == "" || strings.ToUpper(v) != v || strings.HasPrefix(v, "CAP_") {
		return fmt.Errorf("%q: want a capability name such as NET_ADMIN", v)
	}
	*c = append(*c, v)
	return nil
}

// run checks the named files and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("chartcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var caps capList
	fs.Var(&caps, "allow-cap", "a Linux capability containers may add (repeatable), such as NET_ADMIN")
	cmDir := fs.String("configmaps", "", "write the data of every ConfigMap to `DIR`/NAME/KEY")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chartcheck [-allow-cap NAME]... [-configmaps DIR] FILE|- ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	dec := chartcheck.NewDecoder()
	pol := chartcheck.Policy{AllowedCapabilities: caps}
	failed := false
	for _, name := range fs.Args() {
		problems, summary, err := checkFile(name, stdin, dec, pol, *cmDir)
		if err != nil {
			fmt.Fprintf(stderr, "chartcheck: %s: %v\n", name, err)
			failed = true
			continue
		}
		for _, p := range problems {
			fmt.Fprintf(stderr, "chartcheck: %s: %v\n", name, p)
		}
		if len(problems) > 0 {
			failed = true
			continue
		}
		fmt.Fprintf(stdout, "chartcheck: %s: %s\n", name, summary)
	}
	if failed {
		return 1
	}
	return 0
}

// checkFile reads one stream ("-" for stdin) and returns its problems, or a summary of what it
// holds; err is set when the stream cannot be read or split.
func checkFile(name string, stdin io.Reader, dec *chartcheck.Decoder, pol chartcheck.Policy, cmDir string) ([]error, string, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, chartcheck.MaxStreamSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("reading: %w", err)
	}
	docs, err := chartcheck.Split(data)
	if err != nil {
		return nil, "", err
	}
	if len(docs) == 0 {
		return nil, "", errors.New("no documents")
	}
	objs, problems := dec.DecodeAll(docs)
	if err := pol.Check(objs); err != nil {
		problems = append(problems, unjoin(err)...)
	}
	if cmDir != "" && len(problems) == 0 {
		if err := writeConfigMaps(cmDir, objs); err != nil {
			return nil, "", err
		}
	}
	return problems, summarize(objs), nil
}

// fileName is what writeConfigMaps accepts as a ConfigMap name or key: the characters Kubernetes
// allows in a ConfigMap key, which are all safe in a file name.
var fileName = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

// writeConfigMaps writes the data of every ConfigMap in objs to dir/NAME/KEY.
func writeConfigMaps(dir string, objs []chartcheck.Object) error {
	for _, o := range objs {
		cm, ok := o.Obj.(*corev1.ConfigMap)
		if !ok {
			continue
		}
		if !fileName.MatchString(o.Name) || o.Name == "." || o.Name == ".." {
			return fmt.Errorf("%s: name is not usable as a directory name", o)
		}
		sub := filepath.Join(dir, o.Name)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return fmt.Errorf("writing %s: %w", o, err)
		}
		for key, val := range cm.Data {
			if !fileName.MatchString(key) || key == "." || key == ".." {
				return fmt.Errorf("%s: key %q is not a valid ConfigMap key", o, key)
			}
			if err := os.WriteFile(filepath.Join(sub, key), []byte(val), 0o644); err != nil {
				return fmt.Errorf("writing %s: %w", o, err)
			}
		}
	}
	return nil
}

// unjoin returns the errors joined in err, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// summarize counts the objects by kind: "5 documents ok: ConfigMap 1, Service 3, StatefulSet 1".
func summarize(objs []chartcheck.Object) string {
	count := map[string]int{}
	for _, o := range objs {
		count[o.GVK.Kind]++
	}
	kinds := make([]string, 0, len(count))
	for k := range count {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, count[k])
	}
	noun := "documents"
	if len(objs) == 1 {
		noun = "document"
	}
	return fmt.Sprintf("%d %s ok: %s", len(objs), noun, strings.Join(parts, ", "))
}
