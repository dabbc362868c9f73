// Package modelsync carries signed global model versions (internal/fl/registry) from node to node
// over the mesh's reliable streams (internal/stream), so that a version published at one node
// reaches every node hop by hop.
//
// A node serves its model store on stream port Port: a request asks either for the node's current
// version (its ID and round) or for the record of one version by ID. Every Interval (jittered) a
// Syncer asks each up neighbour for its current version; when it is of a higher round than any the
// local store accepted, it fetches the record, checks that it is the version announced, and offers
// it to the node, which verifies it against the network CA and applies the store's forward-only
// rules. A Syncer also picks up record files an operator drops into an inbox directory. The wire
// format is in docs/models.md ("Distribution").
package modelsync

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/registry"
)

// Protocol.
const (
	// Port is the stream port a node serves its model store on.
	Port uint16 = 1790
	// ProtocolVersion is the first byte of every request.
	ProtocolVersion = 1
	// OpCurrent asks for the current version's ID and round.
	OpCurrent = 1
	// OpRecord asks for the record of one version, by ID.
	OpRecord = 2

	// StatusOK starts a response that carries an answer.
	StatusOK = 0
	// StatusNone answers OpCurrent on a node that has accepted no version yet.
	StatusNone = 1
	// StatusNotFound answers OpRecord for a version the node does not hold.
	StatusNotFound = 2

	// currentRequestSize and recordRequestSize are the sizes of the two requests.
	currentRequestSize = 2
	recordRequestSize  = 2 + registry.IDSize
	// currentAnswerSize is the size of an OK answer to OpCurrent after the status: ID and round.
	currentAnswerSize = registry.IDSize + 8
	// MaxRecordSize bounds the record a response may carry: the registry's largest record.
	MaxRecordSize = registry.MaxRecordSize
)

// Timing and limits of a Syncer and a server.
const (
	// DefaultInterval is how often a Syncer polls its neighbours by default.
	DefaultInterval = 10 * time.Second
	// MinInterval and MaxInterval bound Config.Interval.
	MinInterval = 100 * time.Millisecond
	MaxInterval = time.Hour
	// JitterFraction spreads each wait uniformly over ±this fraction of the interval, so that
	// nodes started together do not poll in step.
	JitterFraction = 0.2
	// RequestTimeout bounds one request: dial, request and the whole response.
	RequestTimeout = 30 * time.Second
	// MaxConcurrentRequests bounds the requests a server handles at once; more are refused by
	// closing the stream.
	MaxConcurrentRequests = 8
	// MaxNeighbours bounds the neighbours a Syncer polls in one round.
	MaxNeighbours = 64
	// MaxCatchUp bounds the versions a Syncer fetches from one neighbour in one round to bridge
	// rounds it missed (the announced version and its ancestors).
	MaxCatchUp = 8
	// MaxRefused bounds the refused versions a Syncer remembers (and does not fetch again); the
	// memory is cleared when full.
	MaxRefused = 1024
	// MaxInboxFiles bounds the record files a Syncer reads from its inbox in one round.
	MaxInboxFiles = 64
	// MaxInboxSeen bounds the inbox files a Syncer remembers having processed.
	MaxInboxSeen = 4096
	// InboxSuffix is the name suffix of the record files a Syncer picks up from its inbox.
	InboxSuffix = ".record"
)
