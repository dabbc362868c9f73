package round

import (
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/fl/secagg"
	"github.com/x0tta6bl4/x0tta6bl4/internal/identity"
)

// NodeID names a coordinator or a client: the mesh's node identity.
type NodeID = identity.NodeID

// Message is one protocol message. Every message names the coordinator
// epoch and the round it belongs to; Encode and Decode turn it into bytes
// and back.
type Message interface {
	// Header returns the message's coordinator epoch and round.
	Header() (epoch uint32, round uint64)
	// MarshalBinary returns the message's canonical encoding.
	MarshalBinary() ([]byte, error)
	// msgType returns the type byte of the encoding.
	msgType() msgType
}

// msgType is the second byte of every encoded message.
type msgType uint8

// Message types.
const (
	typeRoundStart msgType = iota + 1
	typeUpdate
	typeRefusal
	typeSecAgg
	typeCheckpoint
)

// RoundStart is sent by the coordinator to each selected client: train the
// global model Params (produced by round Parent) for LocalEpochs epochs and
// answer within Timeout.
type RoundStart struct {
	// Epoch is the coordinator epoch: the index of the sender in the
	// succession list, counting every failover.
	Epoch uint32
	// Round numbers the attempt, from 1, increasing across epochs.
	Round uint64
	// Parent is the round that produced Params; 0 for the initial model.
	Parent uint64
	// Timeout is the time the client has to answer, counted from when it
	// receives the message; it travels in whole milliseconds.
	Timeout time.Duration
	// LocalEpochs is the number of local training epochs.
	LocalEpochs int
	// DP, when not nil, says the round is differentially private.
	DP *DPSettings
	// SecAgg, when not nil, says the update goes through secure
	// aggregation instead of an Update message.
	SecAgg *SecAggSettings
	// Params is the global model.
	Params []float64
}

// DPSettings are the DP-FedAvg parameters a client needs: to clip its own
// delta when the sum is secure, and to charge its privacy budget.
type DPSettings struct {
	// ClipNorm is the L2 bound C on a client's delta.
	ClipNorm float64
	// NoiseMultiplier z: the noise added to the sum has standard deviation
	// z*C per coordinate.
	NoiseMultiplier float64
}

// SecAggSettings are the parameters of a secure round as one client sees
// them: together with the round they give the secagg.Params.
type SecAggSettings struct {
	// ID is the recipient's secagg client ID: its 1-based position in the
	// ascending list of selected clients.
	ID secagg.ClientID
	// Clients is the number of selected clients.
	Clients int
	// Threshold is the Shamir threshold t.
	Threshold int
	// Neighbours is the SecAgg+ graph degree k; 0 is the complete graph.
	Neighbours int
	// Clip bounds every coordinate before quantisation.
	Clip float64
	// Scale is the number of quantisation steps per unit.
	Scale float64
}

// Update is a client's answer in a plain round: its delta (trained
// parameters minus the global model it was sent) and the number of
// training examples behind it.
type Update struct {
	// Epoch and Round are those of the RoundStart answered.
	Epoch uint32
	Round uint64
	// NumSamples is the number of training examples behind the update.
	NumSamples int
	// Delta is the trained parameters minus the global model.
	Delta []float64
}

// Refusal tells a peer that its message was refused, and why: a late
// update, a stale or foreign RoundStart, a spent privacy budget.
type Refusal struct {
	// Epoch is the sender's current epoch; Round is the refused round.
	Epoch uint32
	Round uint64
	// Reason says why.
	Reason Reason
	// Detail is a short explanation, at most MaxDetailLength bytes.
	Detail string
}

// SecAggKind names the secagg message a SecAgg envelope carries.
type SecAggKind uint8

// Secure-aggregation message kinds, in protocol order (see package
// internal/fl/secagg).
const (
	KindAdvertiseKeys SecAggKind = iota + 1
	KindRoster
	KindKeyCiphertexts
	KindKeyDelivery
	KindShareKeys
	KindShareDelivery
	KindMaskedInput
	KindUnmaskRequest
	KindUnmaskResponse

	maxSecAggKind = KindUnmaskResponse
)

// SecAgg carries one message of the secure-aggregation protocol, encoded
// by package secagg, between a client and the coordinator.
type SecAgg struct {
	// Epoch and Round name the secure round.
	Epoch uint32
	Round uint64
	// Kind says which secagg message Payload is.
	Kind SecAggKind
	// Payload is the secagg message's own encoding.
	Payload []byte
}

// Checkpoint is sent by the active coordinator to the standby coordinators
// after every completed round, so that the next in line can take over from
// the last global model.
type Checkpoint struct {
	// Epoch is the sender's epoch.
	Epoch uint32
	// NextRound is the round number the sender would use next.
	NextRound uint64
	// Completed counts the rounds that produced a model.
	Completed int
	// DPRounds counts the differentially private rounds, for the
	// accountant.
	DPRounds int
	// Model is the last global model.
	Model GlobalModel
	// Excluded lists the excluded clients, ascending.
	Excluded []NodeID
	// Participation lists, ascending by client, how many private rounds
	// each client has contributed to (clients with none are left out).
	Participation []Participation
}

// Participation is one client's count of contributions to private rounds.
type Participation struct {
	// Client is the client.
	Client NodeID
	// Rounds is the number of private rounds its update went into.
	Rounds int
}

// Header returns m's epoch and round.
func (m *RoundStart) Header() (uint32, uint64) { return m.Epoch, m.Round }

// Header returns m's epoch and round.
func (m *Update) Header() (uint32, uint64) { return m.Epoch, m.Round }

// Header returns m's epoch and round.
func (m *Refusal) Header() (uint32, uint64) { return m.Epoch, m.Round }

// Header returns m's epoch and round.
func (m *SecAgg) Header() (uint32, uint64) { return m.Epoch, m.Round }

// Header returns m's epoch and the round that produced its model.
func (m *Checkpoint) Header() (uint32, uint64) { return m.Epoch, m.Model.Round }

func (*RoundStart) msgType() msgType { return typeRoundStart }
func (*Update) msgType() msgType     { return typeUpdate }
func (*Refusal) msgType() msgType    { return typeRefusal }
func (*SecAgg) msgType() msgType     { return typeSecAgg }
func (*Checkpoint) msgType() msgType { return typeCheckpoint }

// String names t for error messages.
func (t msgType) String() string {
	switch t {
	case typeRoundStart:
		return "RoundStart"
	case typeUpdate:
		return "Update"
	case typeRefusal:
		return "Refusal"
	case typeSecAgg:
		return "SecAgg"
	case typeCheckpoint:
		return "Checkpoint"
	}
	return "unknown message"
}

// String names k.
func (k SecAggKind) String() string {
	names := [...]string{"", "AdvertiseKeys", "Roster", "KeyCiphertexts", "KeyDelivery",
		"ShareKeys", "ShareDelivery", "MaskedInput", "UnmaskRequest", "UnmaskResponse"}
	if k == 0 || k > maxSecAggKind {
		return "unknown secagg kind"
	}
	return names[k]
}
