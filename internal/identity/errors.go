package identity

import "errors"

// Errors returned by this package. They are wrapped with detail that names
// the certificate, file or field at fault; test for them with errors.Is.
var (
	// ErrMalformed reports an encoding that cannot be parsed or breaks a
	// rule of the format.
	ErrMalformed = errors.New("identity: malformed")
	// ErrWrongCA reports a certificate or revocation list that was not
	// issued or not signed by the expected CA.
	ErrWrongCA = errors.New("identity: not issued by this network's CA")
	// ErrExpired reports a certificate used after its NotAfter time.
	ErrExpired = errors.New("identity: certificate expired")
	// ErrNotYetValid reports a certificate used before its NotBefore time.
	ErrNotYetValid = errors.New("identity: certificate not yet valid")
	// ErrRevoked reports a certificate whose serial is on the revocation
	// list.
	ErrRevoked = errors.New("identity: certificate revoked")
	// ErrNotNodeCert reports a CA certificate presented where a node
	// certificate is required, or the reverse.
	ErrNotNodeCert = errors.New("identity: wrong kind of certificate")
	// ErrRollback reports a revocation list older than the one in force.
	ErrRollback = errors.New("identity: revocation list rollback")
	// ErrKeyFilePermissions reports a private key file that group or
	// others may access.
	ErrKeyFilePermissions = errors.New("identity: private key file permissions too open")
	// ErrFileTooLarge reports a file larger than its size limit.
	ErrFileTooLarge = errors.New("identity: file too large")
	// ErrKeyKind reports a private key of the wrong kind, such as a CA key
	// loaded as a node key.
	ErrKeyKind = errors.New("identity: wrong kind of private key")
	// ErrInvalid reports an argument that breaks a rule of the format,
	// such as a certificate name with a space in it.
	ErrInvalid = errors.New("identity: invalid argument")
)
