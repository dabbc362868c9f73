package chartcheck

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Limits of a manifest stream.
const (
	// MaxStreamSize bounds the bytes of one manifest stream.
	MaxStreamSize = 32 << 20
	// MaxDocuments bounds the documents of one manifest stream.
	MaxDocuments = 4096
)

// Errors returned by this package; test with errors.Is.
var (
	// ErrTooLarge reports a stream larger than MaxStreamSize or with more than MaxDocuments.
	ErrTooLarge = errors.New("manifest stream too large")
	// ErrSyntax reports a document that is not YAML, or whose top level is not a mapping.
	ErrSyntax = errors.New("not a YAML mapping")
	// ErrUnknownKind reports a document without apiVersion or kind, or of a kind that chartcheck
	// has no type for.
	ErrUnknownKind = errors.New("unknown kind")
	// ErrStrict reports unknown fields, duplicate keys or keys in the wrong case.
	ErrStrict = errors.New("strict decoding failed")
	// ErrSchema reports a field whose value does not fit its type, such as a string for replicas.
	ErrSchema = errors.New("does not fit the schema of its kind")
	// ErrPolicy wraps every policy finding.
	ErrPolicy = errors.New("policy violation")
)

// Document is one YAML document of a manifest stream.
type Document struct {
	// Index is the document's position among the non-empty documents of the stream, from 0.
	Index int
	// Line is the line of the stream, from 1, where the document's text starts.
	Line int
	// Source is the template the document came from, read from Helm's "# Source: PATH" comment;
	// empty without one.
	Source string
	// Data is the document's text: its lines, without separators, each ending in "\n".
	Data []byte
}

// String names the document for messages: its index, and its source or its line.
func (d Document) String() string {
	if d.Source != "" {
		return fmt.Sprintf("document %d (%s)", d.Index, d.Source)
	}
	return fmt.Sprintf("document %d (line %d)", d.Index, d.Line)
}

const sourcePrefix = "# Source: "

// Split cuts a YAML stream into its documents. A line "---" (or "---" followed by a space or tab
// and more text, which then starts the new document) separates documents; a line "..." ends one.
// YAML forbids both markers inside scalars, so cutting at them is exact. Documents that hold only
// blank lines and comments are dropped, as Kubernetes tools do. Carriage returns before line ends
// are removed.
func Split(stream []byte) ([]Document, error) {
	if len(stream) > MaxStreamSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(stream), MaxStreamSize)
	}
	var (
		docs  []Document
		cur   []string
		start = 1
	)
	flush := func(next int) error {
		if d, ok := makeDocument(cur, start, len(docs)); ok {
			if len(docs) == MaxDocuments {
				return fmt.Errorf("%w: more than %d documents", ErrTooLarge, MaxDocuments)
			}
			docs = append(docs, d)
		}
		cur, start = cur[:0], next
		return nil
	}
	lines := strings.Split(string(stream), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1] // the stream's final line end
	}
	for i, line := range lines {
		line = strings.TrimRight(line, "\r")
		// A marker line may carry the new document's first line after it ("--- {a: 1}"), which may
		// itself be a marker ("--- ..."): take markers off the front until none is left.
		for {
			if line == "---" || line == "..." {
				if err := flush(i + 2); err != nil {
					return nil, err
				}
				break
			}
			if strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "---\t") {
				if err := flush(i + 1); err != nil {
					return nil, err
				}
				if line = strings.TrimLeft(line[3:], " \t"); line == "" {
					start = i + 2
					break
				}
				continue
			}
			if len(cur) == 0 && strings.TrimSpace(line) == "" {
				start = i + 2 // leading blank lines are not part of the document
			} else {
				cur = append(cur, line)
			}
			break
		}
	}
	if err := flush(len(lines) + 1); err != nil {
		return nil, err
	}
	return docs, nil
}

// makeDocument builds a document from its lines, and reports false when they hold only blank
// lines and comments.
func makeDocument(lines []string, line, index int) (Document, bool) {
	content := false
	source := ""
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
		case strings.HasPrefix(t, "#"):
			if s, ok := strings.CutPrefix(l, sourcePrefix); ok && source == "" {
				source = strings.TrimSpace(s)
			}
		default:
			content = true
		}
	}
	if !content {
		return Document{}, false
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return Document{Index: index, Line: line, Source: source, Data: b.Bytes()}, true
}

// Join writes documents back into one stream, each after a "---" line; Split(Join(docs)) gives
// the same documents' Data and Source.
func Join(docs []Document) []byte {
	var b bytes.Buffer
	for _, d := range docs {
		b.WriteString("---\n")
		b.Write(d.Data)
	}
	return b.Bytes()
}
