package planetoid

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the parsers return wraps exactly one of them; check with errors.Is.
var (
	// ErrSyntax reports a malformed line: a missing tab, a bad integer, an empty line, an edge not
	// written as u < v.
	ErrSyntax = errors.New("syntax error")
	// ErrHeader reports a missing or malformed first "#" line, or a file that disagrees with the
	// node and feature counts of the features header.
	ErrHeader = errors.New("bad header")
	// ErrRange reports a node id, feature index or class outside its valid range.
	ErrRange = errors.New("value out of range")
	// ErrDuplicate reports a node, feature index, edge or split listed twice.
	ErrDuplicate = errors.New("duplicate")
	// ErrMissing reports a node or a split that the file must list but does not.
	ErrMissing = errors.New("missing entry")
	// ErrUnknownSplit reports a split line whose name is not train, val or test.
	ErrUnknownSplit = errors.New("unknown split name")
	// ErrUnlabelled reports a node of the split whose label is -1.
	ErrUnlabelled = errors.New("split node has no label")
	// ErrTooLarge reports a file larger than MaxFileSize.
	ErrTooLarge = errors.New("file too large")
	// ErrLimit reports a header or file exceeding MaxNodes, MaxFeatures, MaxEdges or MaxClasses.
	ErrLimit = errors.New("limit exceeded")
	// ErrName reports a dataset name that is empty or not a plain file name.
	ErrName = errors.New("bad dataset name")
)

// ParseError locates a problem in one of the files. Err is one of the sentinel errors, or the
// reader's own error when reading failed.
type ParseError struct {
	// File is the file name, or empty when the parser was given a bare io.Reader.
	File string
	// Line is the 1-based line number; the header is line 1. Zero means the whole file.
	Line int
	// Err is the sentinel error classifying the problem, or the reader's error.
	Err error
	// Detail says what exactly is wrong.
	Detail string
}

// Error formats the error as "planetoid: file:line: kind: detail".
func (e *ParseError) Error() string {
	file := e.File
	if file == "" {
		file = "input"
	}
	if e.Line > 0 {
		return fmt.Sprintf("planetoid: %s:%d: %v: %s", file, e.Line, e.Err, e.Detail)
	}
	return fmt.Sprintf("planetoid: %s: %v: %s", file, e.Err, e.Detail)
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

func errorAt(line int, sentinel error, format string, args ...any) error {
	return &ParseError{Line: line, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}

// withFile sets the file name of a *ParseError; other errors are wrapped with the file name.
func withFile(err error, file string) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.File = file
		return pe
	}
	return fmt.Errorf("planetoid: %s: %w", file, err)
}
