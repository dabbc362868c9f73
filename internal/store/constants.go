package store

import "time"

// Limits and defaults of a Store.
const (
	// SchemaVersion is the layout version written in the meta bucket. Open
	// refuses a file with another version.
	SchemaVersion = 1
	// ValueVersion is the first byte of every encoded value.
	ValueVersion = 1
	// MaxValueSize bounds one encoded value, in bytes.
	MaxValueSize = 64 << 10
	// MaxEvidence bounds the entries of an audit record's evidence.
	MaxEvidence = 32
	// MaxNameSize bounds an evidence name or an audit event, in bytes.
	MaxNameSize = 64
	// MaxTextSize bounds an audit record's detail or an action's error, in
	// bytes.
	MaxTextSize = 4096
	// MaxRung bounds an action's rung or an incident's next rung.
	MaxRung = 64
	// DefaultLockTimeout is how long Open waits for the file lock.
	DefaultLockTimeout = 5 * time.Second
	// DefaultMaxAuditRecords is the default audit log retention.
	DefaultMaxAuditRecords = 100_000
	// DefaultMaxActions is the default retention of actions.
	DefaultMaxActions = 20_000
	// DefaultMaxIncidents is the default retention of incidents.
	DefaultMaxIncidents = 10_000
	// MaxReadRecords bounds the records one read call returns.
	MaxReadRecords = 100_000
	// FileMode is the permission of a new store file.
	FileMode = 0o600
)
