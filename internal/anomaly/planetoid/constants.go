package planetoid

// Limits of the loader. They bound the memory a malformed or hostile file can make the parser use:
// every allocation is proportional either to the bytes actually read or to a header value already
// checked against these limits.
const (
	// MaxFileSize is the largest file the loader reads, in bytes. PubMed, the largest Planetoid
	// dataset, needs about 4 MiB as text.
	MaxFileSize = 64 << 20

	// MaxNodes is the largest node count a features header may declare.
	MaxNodes = 1 << 20

	// MaxFeatures is the largest feature dimension a features header may declare.
	MaxFeatures = 1 << 16

	// MaxEdges is the largest number of edge lines an edges file may hold.
	MaxEdges = 1 << 22

	// MaxClasses bounds class labels: a label must be below MaxClasses.
	MaxClasses = 1 << 10

	// maxIntDigits is the longest decimal integer the parser accepts. Every valid value is below
	// MaxNodes, MaxFeatures or MaxClasses, so longer numbers are out of range anyway and are rejected
	// before conversion can overflow.
	maxIntDigits = 9

	// initialLineBuffer is the line buffer a parser starts with; it grows up to the file size limit.
	initialLineBuffer = 64 << 10

	// clipLength is how much of a bad token an error message quotes.
	clipLength = 32
)

// File name suffixes of the four files of a dataset, appended to its name.
const (
	// FeaturesSuffix names the sparse binary feature matrix: <name>.features.txt.
	FeaturesSuffix = ".features.txt"
	// LabelsSuffix names the class labels: <name>.labels.txt.
	LabelsSuffix = ".labels.txt"
	// EdgesSuffix names the undirected edge list: <name>.edges.txt.
	EdgesSuffix = ".edges.txt"
	// SplitSuffix names the train/validation/test split: <name>.split.txt.
	SplitSuffix = ".split.txt"
)

// Split names as they appear at the start of the lines of a split file.
const (
	// SplitTrain names the training nodes.
	SplitTrain = "train"
	// SplitVal names the validation nodes.
	SplitVal = "val"
	// SplitTest names the test nodes.
	SplitTest = "test"
)
