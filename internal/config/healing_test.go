package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/heal"
	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/fault"
)

const healingBase = "listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: a}\n"

const blackholeID = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func TestHealingDefaults(t *testing.T) {
	c, err := Parse(strings.NewReader(healingBase))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Healing.On() || c.Healing.Enabled == nil || !*c.Healing.Enabled {
		t.Fatalf("healing not on by default: %+v", c.Healing)
	}
	if time.Duration(c.Healing.Period) != DefaultHealingPeriod || c.Healing.Knowledge != "" {
		t.Fatalf("healing defaults: %+v", c.Healing)
	}
	if c.Chaos.On() {
		t.Fatalf("chaos on by default: %+v", c.Chaos)
	}
	if (Healing{}).On() != true {
		t.Fatal("a zero Healing is not on")
	}
}

// TestHealingConstants keeps the configuration's bounds within what internal/heal and
// internal/transport/fault accept.
func TestHealingConstants(t *testing.T) {
	if DefaultHealingPeriod != heal.DefaultPeriod {
		t.Errorf("DefaultHealingPeriod %v, heal.DefaultPeriod %v", DefaultHealingPeriod, heal.DefaultPeriod)
	}
	if MinHealingPeriod < heal.MinPeriod || MaxHealingPeriod > heal.MaxPeriod {
		t.Errorf("healing period bounds %v..%v outside heal's %v..%v", MinHealingPeriod, MaxHealingPeriod, heal.MinPeriod, heal.MaxPeriod)
	}
	if MaxChaosDelay != fault.MaxDelay {
		t.Errorf("MaxChaosDelay %v, fault.MaxDelay %v", MaxChaosDelay, fault.MaxDelay)
	}
}

func TestHealingAndChaosValid(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(*Config) bool
	}{
		{"disabled", "healing: {enabled: false}\n", func(c *Config) bool { return !c.Healing.On() }},
		{"period and knowledge", "healing: {enabled: true, period: 250ms, knowledge: k.db}\n", func(c *Config) bool {
			return c.Healing.On() && time.Duration(c.Healing.Period) == 250*time.Millisecond && c.Healing.Knowledge == "k.db"
		}},
		{"period bounds", "healing: {period: 10ms}\n", func(c *Config) bool { return time.Duration(c.Healing.Period) == MinHealingPeriod }},
		{"chaos drop", "chaos: {seed: 7, drop: 0.25}\n", func(c *Config) bool { return c.Chaos.On() && c.Chaos.Seed == 7 && c.Chaos.Drop == 0.25 }},
		{"chaos delay", "chaos: {delay: 10s}\n", func(c *Config) bool { return c.Chaos.On() && time.Duration(c.Chaos.Delay) == MaxChaosDelay }},
		{"chaos blackhole", "chaos: {blackhole: [" + blackholeID + "]}\n", func(c *Config) bool { return c.Chaos.On() && len(c.Chaos.Blackhole) == 1 }},
		{"chaos seed only is off", "chaos: {seed: 1, drop: 0.0, delay: 0s}\n", func(c *Config) bool { return !c.Chaos.On() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(healingBase + tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Fatalf("decoded healing %+v chaos %+v", c.Healing, c.Chaos)
			}
		})
	}
}

func TestHealingAndChaosErrors(t *testing.T) {
	many := strings.Repeat(blackholeID+", ", MaxPeers+1)
	tests := []struct {
		name, yaml, field, want string
	}{
		{"period too short", "healing: {period: 1ms}\n", "healing.period", "outside"},
		{"period too long", "healing: {period: 2m}\n", "healing.period", "outside"},
		{"period negative", "healing: {period: -1s}\n", "healing.period", "outside"},
		{"knowledge nul", "healing: {knowledge: \"a\\0b\"}\n", "healing.knowledge", "NUL"},
		{"model nul", "healing: {model: \"a\\0b\"}\n", "healing.model", "NUL"},
		{"drop negative", "chaos: {drop: -0.1}\n", "chaos.drop", "probability"},
		{"drop above one", "chaos: {drop: 1.5}\n", "chaos.drop", "probability"},
		{"drop nan", "chaos: {drop: .nan}\n", "chaos.drop", "probability"},
		{"delay negative", "chaos: {delay: -1s}\n", "chaos.delay", "outside"},
		{"delay too long", "chaos: {delay: 11s}\n", "chaos.delay", "outside"},
		{"blackhole not an ID", "chaos: {blackhole: [beta]}\n", "chaos.blackhole[0]", "64 hexadecimal"},
		{"blackhole duplicate", "chaos: {blackhole: [" + blackholeID + ", " + strings.ToUpper(blackholeID) + "]}\n", "chaos.blackhole[1]", "duplicate of chaos.blackhole[0]"},
		{"blackhole too many", "chaos: {blackhole: [" + strings.TrimSuffix(many, ", ") + "]}\n", "chaos.blackhole", "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(healingBase + tt.yaml))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var fe *FieldError
			found := false
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				if errors.As(e, &fe) && fe.Field == tt.field && strings.Contains(fe.Problem, tt.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("err = %v, want %s: ...%s...", err, tt.field, tt.want)
			}
		})
	}
	// Unknown fields in the new sections are refused like everywhere else.
	for _, y := range []string{"healing: {enable: true}\n", "chaos: {loss: 0.1}\n", "chaos: {delay: soon}\n"} {
		if _, err := Parse(strings.NewReader(healingBase + y)); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: err = %v, want ErrSyntax", y, err)
		}
	}
}

func TestHealingKnowledgeResolved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node.yaml")
	for _, tt := range []struct{ knowledge, want string }{
		{"k.db", filepath.Join(dir, "k.db")},
		{"/var/lib/x/k.db", "/var/lib/x/k.db"},
		{"", ""},
	} {
		y := healingBase
		if tt.knowledge != "" {
			y += "healing: {knowledge: " + tt.knowledge + ", model: " + tt.knowledge + ".model}\n"
		}
		if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Healing.Knowledge != tt.want {
			t.Errorf("knowledge %q resolved to %q, want %q", tt.knowledge, c.Healing.Knowledge, tt.want)
		}
		if want := tt.want + ".model"; tt.want != "" && c.Healing.Model != want {
			t.Errorf("model %q resolved to %q, want %q", tt.knowledge, c.Healing.Model, want)
		}
	}
}
