package planetoid

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// limits are the bounds a parse runs under. The exported functions use defaultLimits; tests use
// smaller ones to reach every limit cheaply.
type limits struct {
	fileSize int64
	nodes    int
	features int
	edges    int
}

func defaultLimits() limits {
	return limits{fileSize: MaxFileSize, nodes: MaxNodes, features: MaxFeatures, edges: MaxEdges}
}

// sizeLimitReader fails with ErrTooLarge once more than max bytes have been read, and remembers it.
type sizeLimitReader struct {
	r        io.Reader
	left     int64 // bytes still allowed, plus one to detect the overflow
	exceeded bool
}

// Read reads from the underlying reader, at most up to one byte past the limit.
func (s *sizeLimitReader) Read(p []byte) (int, error) {
	if s.left <= 0 {
		s.exceeded = true
		return 0, ErrTooLarge
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if s.left <= 0 {
		s.exceeded = true
		return n, ErrTooLarge
	}
	return n, err
}

// lineReader yields the lines of a file one at a time and counts them.
type lineReader struct {
	sc    *bufio.Scanner
	limit *sizeLimitReader
	line  int
	max   int64
}

func newLineReader(r io.Reader, maxSize int64) *lineReader {
	limit := &sizeLimitReader{r: r, left: maxSize + 1}
	sc := bufio.NewScanner(limit)
	sc.Buffer(make([]byte, 0, min(int64(initialLineBuffer), maxSize+1)), int(maxSize)+2)
	return &lineReader{sc: sc, limit: limit, max: maxSize}
}

// next returns the next line without its line ending. At the end of the input it returns ok false and
// a nil error. Once the input has exceeded the size limit, every call fails with ErrTooLarge: the
// line the scanner returns may have been cut short.
func (l *lineReader) next() (line string, ok bool, err error) {
	scanned := l.sc.Scan()
	if l.limit.exceeded {
		return "", false, &ParseError{Err: ErrTooLarge, Detail: fmt.Sprintf("larger than %d bytes", l.max)}
	}
	if !scanned {
		if err := l.sc.Err(); err != nil {
			return "", false, &ParseError{Line: l.line + 1, Err: err, Detail: "reading failed"}
		}
		return "", false, nil
	}
	l.line++
	return strings.TrimSuffix(l.sc.Text(), "\r"), true, nil
}

// header reads the first line, which must start with "#".
func (l *lineReader) header() (string, error) {
	line, ok, err := l.next()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errorAt(0, ErrHeader, "empty file, want a first line starting with #")
	}
	if !strings.HasPrefix(line, "#") {
		return "", errorAt(l.line, ErrHeader, "first line must start with #")
	}
	return line, nil
}

// body reads the next data line. Blank lines and further "#" lines are errors.
func (l *lineReader) body() (string, bool, error) {
	line, ok, err := l.next()
	if err != nil || !ok {
		return "", ok, err
	}
	if strings.TrimSpace(line) == "" {
		return "", false, errorAt(l.line, ErrSyntax, "empty line")
	}
	if strings.HasPrefix(line, "#") {
		return "", false, errorAt(l.line, ErrSyntax, "comment line after the header")
	}
	return line, true, nil
}

// parseCount parses a non-negative decimal integer of at most maxIntDigits digits.
func parseCount(s string) (int, bool) {
	if len(s) == 0 || len(s) > maxIntDigits {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// splitKey cuts a line at its first tab into the leading key and the rest.
func splitKey(line string, lineNo int, want string) (key, rest string, err error) {
	key, rest, found := strings.Cut(line, "\t")
	if !found {
		return "", "", errorAt(lineNo, ErrSyntax, "want %s, got %q", want, clip(line))
	}
	return key, rest, nil
}

// parseNode parses a node id and checks it against the node count n.
func parseNode(s string, n, lineNo int) (int, error) {
	v, ok := parseCount(s)
	if !ok {
		return 0, errorAt(lineNo, ErrSyntax, "bad node id %q", clip(s))
	}
	if v >= n {
		return 0, errorAt(lineNo, ErrRange, "node id %d not below N=%d", v, n)
	}
	return v, nil
}

func clip(s string) string {
	if len(s) > clipLength {
		return s[:clipLength] + "…"
	}
	return s
}

// bitmap is a set of small non-negative integers.
type bitmap []uint64

func newBitmap(n int) bitmap { return make(bitmap, (n+63)/64) }

// add inserts v and reports whether it was already present.
func (b bitmap) add(v int) bool {
	w, m := v/64, uint64(1)<<(v%64)
	had := b[w]&m != 0
	b[w] |= m
	return had
}

func (b bitmap) has(v int) bool { return b[v/64]&(uint64(1)<<(v%64)) != 0 }

// firstMissing returns the smallest value in [0, n) not in the set, or -1.
func (b bitmap) firstMissing(n int) int {
	for v := 0; v < n; v++ {
		if !b.has(v) {
			return v
		}
	}
	return -1
}

func checkNodeCount(n int, lim limits) error {
	if n < 0 || n > lim.nodes {
		return errorAt(0, ErrLimit, "node count %d outside [0, %d]", n, lim.nodes)
	}
	return nil
}
