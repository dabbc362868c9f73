package node

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/x0tta6bl4/x0tta6bl4/internal/mapek"
)

// TestAlertRules checks deploy/prometheus/alerts.yml against the code: every x0tta6bl4 metric an
// alert queries is exported by the node's collector, every incident kind it names is a MAPE-K
// symptom, every symptom has an alert, and every runbook_url names an existing runbook.
func TestAlertRules(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, row := range strings.Split(metricsTable(t), "\n") {
		if m := regexp.MustCompile("^\\| `([a-z0-9_]+)`").FindStringSubmatch(row); m != nil {
			exported[m[1]] = true
		}
	}
	symptoms := map[string]bool{}
	for k := mapek.SymptomKind(1); k.Valid(); k++ {
		symptoms[k.String()] = false
	}
	names := map[string]bool{}
	kindRE := regexp.MustCompile(`kind="([a-z-]+)"`)
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" || r.For == "" || names[r.Alert] {
				t.Errorf("alert %q: name, expr and for are required, names unique", r.Alert)
			}
			names[r.Alert] = true
			if s := r.Labels["severity"]; s != "page" && s != "warn" {
				t.Errorf("%s: severity %q", r.Alert, s)
			}
			for _, m := range regexp.MustCompile(`x0tta6bl4_[a-z0-9_]+`).FindAllString(r.Expr, -1) {
				if !exported[m] {
					t.Errorf("%s queries %s, which the node does not export", r.Alert, m)
				}
			}
			for _, m := range kindRE.FindAllStringSubmatch(r.Expr, -1) {
				if _, ok := symptoms[m[1]]; !ok {
					t.Errorf("%s names kind %q, not a MAPE-K symptom", r.Alert, m[1])
				}
				symptoms[m[1]] = true
			}
			rb := r.Annotations["runbook_url"]
			if r.Annotations["summary"] == "" || !strings.HasPrefix(rb, "docs/runbooks/") {
				t.Errorf("%s: summary and a docs/runbooks runbook_url are required", r.Alert)
			} else if _, err := os.Stat("../../" + rb); err != nil {
				t.Errorf("%s: runbook %s: %v", r.Alert, rb, err)
			}
		}
	}
	for k, covered := range symptoms {
		if !covered {
			t.Errorf("no alert for MAPE-K symptom %s", k)
		}
	}
}
