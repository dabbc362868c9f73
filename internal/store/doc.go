// Package store is the persistent Knowledge of the MAPE-K loop: a bbolt
// database holding incidents, actions with their outcomes, link baselines and
// an append-only audit log.
//
// WriteStep writes everything one mapek.Loop.Step produced in a single bbolt
// transaction, so that after a crash the store holds every Step that
// committed and nothing of the one that did not. Audit records are keyed by a
// monotonically increasing sequence without holes; the oldest are pruned in
// the same transaction once MaxAuditRecords is exceeded, and so are the
// oldest actions and incidents beyond their limits.
//
// Every value is a version byte followed by a JSON document of at most
// MaxValueSize bytes, decoded strictly (unknown fields, trailing data and
// out-of-range values are refused). Open verifies the file's consistency and
// reports a corrupt or truncated file as ErrCorrupt, never by panicking.
//
// A Store is safe for concurrent use; bbolt serialises writers. Only one
// process may open a file at a time: Open waits at most Options.LockTimeout
// for the file lock.
package store
