package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEConfiguration parses the configuration example of the README, so that the documented
// fields stay the real ones.
func TestREADMEConfiguration(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skipf("README not found: %v", err)
	}
	s := string(b)
	i := strings.Index(s, "## Configuration")
	if i < 0 {
		t.Fatal("README has no Configuration section")
	}
	start := strings.Index(s[i:], "```yaml\n")
	if start < 0 {
		t.Fatal("no yaml block in the Configuration section")
	}
	body := s[i+start+len("```yaml\n"):]
	end := strings.Index(body, "```")
	if end < 0 {
		t.Fatal("unterminated yaml block")
	}
	yaml := strings.ReplaceAll(body[:end], "<64 hex>", strings.Repeat("ab", 32))
	cfg, err := Parse(strings.NewReader(yaml))
	if err != nil {
		t.Fatalf("README configuration: %v", err)
	}
	if len(cfg.Forward) != 1 || cfg.SOCKS.Listen == "" || len(cfg.Exit.Allow) != 2 || !cfg.Healing.On() {
		t.Errorf("README configuration parsed to %+v", cfg)
	}
}
