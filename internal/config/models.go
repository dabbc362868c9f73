package config

import (
	"strings"
	"time"
)

// Bounds and default of models.sync_interval.
const (
	// DefaultModelSyncInterval is how often a node asks its neighbours for newer model versions
	// when models.sync_interval is absent.
	DefaultModelSyncInterval = 10 * time.Second
	// MinModelSyncInterval and MaxModelSyncInterval bound models.sync_interval.
	MinModelSyncInterval = time.Second
	MaxModelSyncInterval = time.Hour
	// maxModelGroupSize is the longest coordinator group, as the identity package allows.
	maxModelGroupSize = 64
)

// Models configures the node's store of signed global model versions (internal/fl/registry) and
// their distribution over the mesh (internal/fl/modelsync, docs/models.md). Without a registry
// file the node keeps no model store, serves none and syncs none.
type Models struct {
	// Registry is the bbolt file of the model store. A relative path is resolved against the
	// configuration file's directory.
	Registry string `yaml:"registry"`
	// CoordinatorGroup, when set, admits only versions signed by a node whose certificate lists
	// this group (`x0tta6bl4 ca sign --groups`).
	CoordinatorGroup string `yaml:"coordinator_group"`
	// SyncInterval is how often the node asks its neighbours for newer versions and reads its
	// inbox (DefaultModelSyncInterval when absent).
	SyncInterval Duration `yaml:"sync_interval"`
	// Inbox is a directory whose *.record files (`x0tta6bl4 model publish`) the node offers to its
	// store every sync interval; empty reads none. A relative path is resolved against the
	// configuration file's directory.
	Inbox string `yaml:"inbox"`
}

// On reports whether the node keeps a model store.
func (m Models) On() bool { return m.Registry != "" }

// Interval returns the sync interval, DefaultModelSyncInterval when absent.
func (m Models) Interval() time.Duration {
	if m.SyncInterval == 0 {
		return DefaultModelSyncInterval
	}
	return time.Duration(m.SyncInterval)
}

// validateModels checks the models section.
func (c *Config) validateModels(add func(field, format string, args ...any)) {
	m := c.Models
	if !m.On() {
		if m.CoordinatorGroup != "" || m.SyncInterval != 0 || m.Inbox != "" {
			add("models.registry", "required when other models settings are given")
		}
		return
	}
	if strings.ContainsRune(m.Registry, 0) {
		add("models.registry", "contains a NUL byte")
	}
	if strings.ContainsRune(m.Inbox, 0) {
		add("models.inbox", "contains a NUL byte")
	}
	if g := m.CoordinatorGroup; g != "" && !validGroup(g) {
		add("models.coordinator_group", "%q is not a group name: 1 to %d letters, digits, '.', '_' or '-'", g, maxModelGroupSize)
	}
	if d := m.Interval(); d < MinModelSyncInterval || d > MaxModelSyncInterval {
		add("models.sync_interval", "%v is outside %v..%v", d, MinModelSyncInterval, MaxModelSyncInterval)
	}
}

// validGroup reports whether g is a certificate group name.
func validGroup(g string) bool {
	if len(g) > maxModelGroupSize {
		return false
	}
	for i := 0; i < len(g); i++ {
		c := g[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
