package chartcheck

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	type doc struct {
		line   int
		source string
		data   string
	}
	tests := []struct {
		name  string
		input string
		want  []doc
	}{
		{"empty", "", nil},
		{"only separators and comments", "---\n# c\n---\n\n...\n", nil},
		{"one document without separator", "a: 1\nb: 2\n", []doc{{1, "", "a: 1\nb: 2\n"}}},
		{"no final line end", "a: 1", []doc{{1, "", "a: 1\n"}}},
		{"helm style", "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n",
			[]doc{{2, "c/templates/a.yaml", "# Source: c/templates/a.yaml\nkind: A\n"}, {5, "c/templates/b.yaml", "# Source: c/templates/b.yaml\nkind: B\n"}}},
		{"leading blank lines are skipped", "---\n\n\nkind: A\n", []doc{{4, "", "kind: A\n"}}},
		{"marker with a comment", "a: 1\n--- # next\nb: 2\n", []doc{{1, "", "a: 1\n"}, {2, "", "# next\nb: 2\n"}}},
		{"marker with content", "--- {a: 1}\n", []doc{{1, "", "{a: 1}\n"}}},
		{"marker with a tab", "---\tb: 1\n", []doc{{1, "", "b: 1\n"}}},
		{"stacked markers", "--- --- x: 1\n", []doc{{1, "", "x: 1\n"}}},
		{"marker then end marker", "a: 1\n--- ...\nb: 2\n", []doc{{1, "", "a: 1\n"}, {3, "", "b: 2\n"}}},
		{"end marker", "a: 1\n...\nb: 2\n", []doc{{1, "", "a: 1\n"}, {3, "", "b: 2\n"}}},
		{"CRLF", "a: 1\r\n---\r\nb: 2\r\n", []doc{{1, "", "a: 1\n"}, {3, "", "b: 2\n"}}},
		{"indented dashes are content", "s: |\n  ---\n  x\n", []doc{{1, "", "s: |\n  ---\n  x\n"}}},
		{"dashes without a space are content", "---x: 1\n", []doc{{1, "", "---x: 1\n"}}},
		{"comment-only document dropped", "# Source: a\n---\nk: v\n", []doc{{3, "", "k: v\n"}}},
		{"first Source comment wins", "# Source: a\n# Source: b\nk: v\n", []doc{{1, "a", "# Source: a\n# Source: b\nk: v\n"}}},
		{"indented Source is not Helm's", "  # Source: a\nk: v\n", []doc{{1, "", "  # Source: a\nk: v\n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split([]byte(tt.input))
			if err != nil {
				t.Fatalf("Split: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d documents %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Index != i || g.Line != w.line || g.Source != w.source || string(g.Data) != w.data {
					t.Errorf("document %d = {Index %d Line %d Source %q Data %q}, want {Index %d Line %d Source %q Data %q}",
						i, g.Index, g.Line, g.Source, g.Data, i, w.line, w.source, w.data)
				}
			}
		})
	}
}

func TestSplitLimits(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		wantErr error
	}{
		{"too many bytes", bytes.Repeat([]byte("#"), MaxStreamSize+1), ErrTooLarge},
		{"too many documents", []byte(strings.Repeat("a: 1\n---\n", MaxDocuments+1)), ErrTooLarge},
		{"too many documents, last without separator", []byte(strings.Repeat("a: 1\n---\n", MaxDocuments) + "a: 1\n"), ErrTooLarge},
		{"too many documents, end markers", []byte(strings.Repeat("a: 1\n...\n", MaxDocuments+1)), ErrTooLarge},
		{"too many documents, markers with content", []byte(strings.Repeat("--- a: 1\n", MaxDocuments+1)), ErrTooLarge},
		{"exactly the limit", []byte(strings.Repeat("a: 1\n---\n", MaxDocuments)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := Split(tt.input)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Split error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && len(docs) != MaxDocuments {
				t.Errorf("got %d documents, want %d", len(docs), MaxDocuments)
			}
		})
	}
}

func TestJoinRoundTrip(t *testing.T) {
	inputs := []string{
		"",
		"a: 1\n--- # c\nb: 2\n...\n--- {x: 1}\n",
		"# Source: t/a.yaml\nkind: A\n---\n\n  # indented\n  k: v\n",
		"--- --- ...\nz: 1\r\r\n",
	}
	for _, in := range inputs {
		docs, err := Split([]byte(in))
		if err != nil {
			t.Fatalf("Split(%q): %v", in, err)
		}
		again, err := Split(Join(docs))
		if err != nil {
			t.Fatalf("Split(Join(%q)): %v", in, err)
		}
		if len(again) != len(docs) {
			t.Fatalf("%q: %d documents after the round trip, want %d", in, len(again), len(docs))
		}
		for i := range docs {
			if !bytes.Equal(again[i].Data, docs[i].Data) || again[i].Source != docs[i].Source {
				t.Errorf("%q: document %d changed: %q -> %q", in, i, docs[i].Data, again[i].Data)
			}
		}
	}
}

func TestDocumentString(t *testing.T) {
	tests := []struct {
		d    Document
		want string
	}{
		{Document{Index: 2, Line: 9}, "document 2 (line 9)"},
		{Document{Index: 0, Line: 1, Source: "c/templates/s.yaml"}, "document 0 (c/templates/s.yaml)"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
