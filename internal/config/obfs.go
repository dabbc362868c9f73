package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/transport/obfs"
)

// Obfs hides the node's UDP traffic (internal/transport/obfs, docs/censorship.md): with a key,
// every byte the node sends looks random to anyone without it, handshakes included, and the node
// stays silent to any datagram that does not authenticate. Every node of a network must use the
// same key and settings that agree (all obfuscated, or none); clocks must agree within ten
// minutes. Without a key file the node's UDP is plain.
type Obfs struct {
	// KeyFile holds the network's obfuscation key: 32 bytes in base64 (`x0tta6bl4 obfs genkey`).
	// A relative path is resolved against the configuration file's directory.
	KeyFile string `yaml:"key_file"`
	// Shape makes every datagram pass the Great Firewall's fully-encrypted-traffic rule (a
	// printable six-byte prefix, no extra bytes); absent means true.
	Shape *bool `yaml:"shape"`
	// Junk is the number of junk datagrams sent before the first datagram to an address (0 to
	// obfs.MaxJunkCount).
	Junk int `yaml:"junk"`
	// MaxPadding is the most random padding per datagram (0: obfs.DefaultMaxPadding; -1: none;
	// at most obfs.MaxPaddingLimit).
	MaxPadding int `yaml:"max_padding"`
	// Jitter delays every datagram by up to this long (0 to obfs.MaxJitter).
	Jitter Duration `yaml:"jitter"`
}

// On reports whether the node obfuscates its UDP traffic.
func (o Obfs) On() bool { return o.KeyFile != "" }

// Transport reads the key file and returns the obfs.Config of the section, without Rand and
// Clock; call it on a validated Config.
func (o Obfs) Transport() (obfs.Config, error) {
	b, err := os.ReadFile(o.KeyFile)
	if err != nil {
		return obfs.Config{}, fmt.Errorf("obfs.key_file: %w", err)
	}
	k, err := obfs.ParseKey(strings.TrimSpace(string(b)))
	if err != nil {
		return obfs.Config{}, fmt.Errorf("obfs.key_file %s: %w", o.KeyFile, err)
	}
	return obfs.Config{Key: k, Shape: o.Shape == nil || *o.Shape, JunkCount: o.Junk, MaxPadding: o.MaxPadding,
		Jitter: time.Duration(o.Jitter)}, nil
}

// validateObfs checks the obfs section.
func (c *Config) validateObfs(add func(field, format string, args ...any)) {
	o := c.Obfs
	if !o.On() {
		if o.Junk != 0 || o.MaxPadding != 0 || o.Jitter != 0 {
			add("obfs.key_file", "required when other obfs settings are given")
		}
		return
	}
	if strings.ContainsRune(o.KeyFile, 0) {
		add("obfs.key_file", "contains a NUL byte")
	}
	if o.Junk < 0 || o.Junk > obfs.MaxJunkCount {
		add("obfs.junk", "%d is outside 0..%d", o.Junk, obfs.MaxJunkCount)
	}
	if o.MaxPadding < -1 || o.MaxPadding > obfs.MaxPaddingLimit {
		add("obfs.max_padding", "%d is outside -1..%d", o.MaxPadding, obfs.MaxPaddingLimit)
	}
	if d := time.Duration(o.Jitter); d < 0 || d > obfs.MaxJitter {
		add("obfs.jitter", "%v is outside 0..%v", d, obfs.MaxJitter)
	}
}
