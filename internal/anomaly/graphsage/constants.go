package graphsage

// Limits. They bound what a model file, a configuration or a graph can make the package allocate.
const (
	// MaxModelFileSize is the largest model file Load reads, in bytes. It also bounds the parameter
	// count of any model New creates, so that every model can be saved and loaded again.
	MaxModelFileSize = 256 << 20

	// MaxParams is the largest number of parameters a model may have: what fits in MaxModelFileSize
	// after the header and the hash.
	MaxParams = (MaxModelFileSize - headerSize - hashSize) / 8

	// MaxLayers is the largest number of GraphSAGE layers (K in Hamilton et al.).
	MaxLayers = 8

	// MaxHidden is the largest hidden layer width.
	MaxHidden = 1 << 14

	// MaxInDim is the largest input feature dimension.
	MaxInDim = 1 << 20

	// MaxClasses is the largest number of output classes.
	MaxClasses = 1 << 16

	// MaxNodes is the largest number of nodes in a Graph.
	MaxNodes = 1 << 26

	// MaxFanout is the largest number of neighbours sampled per node and layer.
	MaxFanout = 1 << 16

	// MaxEpochs is the largest number of training epochs.
	MaxEpochs = 1 << 20
)

// Defaults of Config. They were chosen on the validation split of Planetoid Cora (see DefaultConfig).
const (
	// DefaultHidden is the width of the hidden layers.
	DefaultHidden = 128
	// DefaultLayers is K, the number of GraphSAGE layers.
	DefaultLayers = 2
	// DefaultLearningRate is Adam's step size.
	DefaultLearningRate = 0.01
	// DefaultWeightDecay is the L2 penalty added to the gradients of the weight matrices.
	DefaultWeightDecay = 5e-4
	// DefaultDropout is the probability of zeroing a layer input during training.
	DefaultDropout = 0.8
	// DefaultEpochs is the largest number of training epochs.
	DefaultEpochs = 300
	// DefaultPatience is how many epochs without a better validation score end training.
	DefaultPatience = 100
	// DefaultBatchSize is the number of target nodes per minibatch when sampling neighbours.
	DefaultBatchSize = 512
	// DefaultFanout1 is S_1 of Hamilton et al.: neighbours sampled per node for the first layer.
	DefaultFanout1 = 25
	// DefaultFanout2 is S_2 of Hamilton et al.: neighbours sampled per node for the second layer.
	DefaultFanout2 = 10
)

// Adam's constants (Kingma and Ba 2015, the values the paper recommends).
const (
	// adamBeta1 is the decay rate of the first-moment estimate.
	adamBeta1 = 0.9
	// adamBeta2 is the decay rate of the second-moment estimate.
	adamBeta2 = 0.999
	// adamEpsilon keeps the update finite when the second moment is zero.
	adamEpsilon = 1e-8
)

// Numerical constants.
const (
	// normEpsilon is the smallest norm an L2-normalised row is divided by, so all-zero rows stay zero.
	normEpsilon = 1e-12
)

// Model file layout.
const (
	// fileMagic starts every model file.
	fileMagic = "X0GSAGE\x00"
	// FileVersion is the model file format version Save writes and Load accepts.
	FileVersion = 1
	// headerSize is the length of the fixed header: magic, version (u16), aggregator, head,
	// flags, layers (u8 each), in, hidden, out (u32 each), parameter count (u64).
	headerSize = len(fileMagic) + 2 + 4 + 3*4 + 8
	// hashSize is the length of the SHA-256 trailer.
	hashSize = 32
	// paramChunk is how many parameters Load reads at a time, so that memory grows with the bytes
	// actually present rather than with the count a header claims.
	paramChunk = 8192
)

// Flag bits of the model file header.
const (
	// flagNormalize records Architecture.Normalize.
	flagNormalize = 1 << 0
	// flagRowNormalize records Architecture.RowNormalize.
	flagRowNormalize = 1 << 1
	// knownFlags are the bits version 1 defines; Load refuses any other.
	knownFlags = flagNormalize | flagRowNormalize
)
