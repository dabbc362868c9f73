package registry

import "errors"

// Errors returned by this package. They are wrapped with detail; test for
// them with errors.Is.
var (
	// ErrMalformed reports an encoding that cannot be parsed or breaks a
	// rule of the format.
	ErrMalformed = errors.New("registry: malformed record")
	// ErrInvalid reports an argument that cannot be encoded or stored,
	// such as an empty kind or a negative ε.
	ErrInvalid = errors.New("registry: invalid argument")
	// ErrPayloadHash reports a payload whose SHA-256 is not the one the
	// signed body names.
	ErrPayloadHash = errors.New("registry: payload does not match its hash")
	// ErrUntrusted reports a coordinator certificate the network does not
	// accept: another CA, expired, not yet valid or revoked. The
	// identity error is wrapped too (identity.ErrWrongCA and so on).
	ErrUntrusted = errors.New("registry: coordinator certificate not trusted")
	// ErrNotCoordinator reports a coordinator whose certificate lacks the
	// group Verifier.CoordinatorGroup requires.
	ErrNotCoordinator = errors.New("registry: node may not coordinate")
	// ErrSignature reports a signature that does not verify under the
	// coordinator's key; pqc.ErrVerify is wrapped too.
	ErrSignature = errors.New("registry: bad signature")

	// ErrDuplicate reports a version already stored. It is harmless: a
	// replay changes nothing.
	ErrDuplicate = errors.New("registry: version already stored")
	// ErrStale reports a version whose round is not above every round
	// accepted before.
	ErrStale = errors.New("registry: stale round")
	// ErrFork reports a version whose parent is not the current version.
	ErrFork = errors.New("registry: parent is not the current version")
	// ErrNotEarlier reports a rollback to a version that is not older than
	// the current one.
	ErrNotEarlier = errors.New("registry: rollback target is not earlier than the current version")
	// ErrNotFound reports a version the store does not hold, or a store
	// with no version yet.
	ErrNotFound = errors.New("registry: version not found")
	// ErrAmbiguous reports an ID prefix that matches several versions.
	ErrAmbiguous = errors.New("registry: ambiguous ID prefix")

	// ErrCorrupt reports a store file that is not consistent: truncated,
	// of another schema or holding a value that does not decode.
	ErrCorrupt = errors.New("registry: corrupt store")
	// ErrLocked reports a store file another process holds beyond the lock
	// timeout.
	ErrLocked = errors.New("registry: store file locked")
	// ErrClosed reports a call on a closed Store.
	ErrClosed = errors.New("registry: store closed")
	// ErrTooLarge reports a record file larger than MaxRecordSize.
	ErrTooLarge = errors.New("registry: record file too large")
)
