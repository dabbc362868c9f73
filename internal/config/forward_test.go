package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var (
	exitA = strings.Repeat("a1", 32)
	exitB = strings.Repeat("B2", 32)
)

const forwardBase = "listen: 127.0.0.1:7000\nidentity: {key: k, cert: c, ca: a}\n"

func TestForwardValid(t *testing.T) {
	yaml := forwardBase + fmt.Sprintf(`forward:
  - {listen: 127.0.0.1:2222, exit: %s, target: git.internal:22}
  - {listen: "[::1]:2222", exit: %s, target: "10.0.0.5:5432"}
  - {listen: localhost:8080, exit: %s, target: "[2001:db8::1]:65535"}
`, exitA, exitB, exitA)
	c, err := Parse(strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	want := []Forward{
		{Listen: "127.0.0.1:2222", Exit: exitA, Target: "git.internal:22"},
		{Listen: "[::1]:2222", Exit: exitB, Target: "10.0.0.5:5432"},
		{Listen: "localhost:8080", Exit: exitA, Target: "[2001:db8::1]:65535"},
	}
	if len(c.Forward) != len(want) {
		t.Fatalf("decoded %d entries: %+v", len(c.Forward), c.Forward)
	}
	for i := range want {
		if c.Forward[i] != want[i] {
			t.Errorf("forward[%d] = %+v, want %+v", i, c.Forward[i], want[i])
		}
	}
}

func TestForwardErrorsNameTheEntry(t *testing.T) {
	entry := func(listen, exit, target string) string {
		return fmt.Sprintf("  - {listen: '%s', exit: '%s', target: '%s'}\n", listen, exit, target)
	}
	ok := entry("127.0.0.1:2222", exitA, "10.0.0.1:22")
	tests := []struct {
		name    string
		entries string
		extra   string
		field   string
		want    string
	}{
		{"listen missing", entry("", exitA, "h:1"), "", "forward[0].listen", "not host:port"},
		{"listen no port", entry("127.0.0.1", exitA, "h:1"), "", "forward[0].listen", "missing port"},
		{"listen empty host", entry(":2222", exitA, "h:1"), "", "forward[0].listen", "empty host"},
		{"listen port 0", entry("127.0.0.1:0", exitA, "h:1"), "", "forward[0].listen", "not 1..65535"},
		{"listen port too big", entry("127.0.0.1:65536", exitA, "h:1"), "", "forward[0].listen", "not 1..65535"},
		{"listen port name", entry("127.0.0.1:ssh", exitA, "h:1"), "", "forward[0].listen", "not 1..65535"},
		{"listen dup", ok + entry("127.0.0.1:2222", exitB, "h:1"), "", "forward[1].listen", "already used by forward[0].listen"},
		{"listen dup canonical", ok + entry("[::ffff:127.0.0.1]:02222", exitB, "h:1"), "", "forward[1].listen", "already used by forward[0].listen"},
		{"listen dup name case", entry("LocalHost:9", exitA, "h:1") + entry("localhost:9", exitA, "h:1"), "", "forward[1].listen", "already used by forward[0].listen"},
		{"listen is socks", entry("127.0.0.1:1080", exitA, "h:1"), "socks: {listen: '127.0.0.1:1080', exit: " + exitA + "}\n", "forward[0].listen", "already used by socks.listen"},
		{"listen is api", entry("127.0.0.1:7100", exitA, "h:1"), "", "forward[0].listen", "already used by api.listen"},
		{"exit missing", entry("127.0.0.1:1", "", "h:1"), "", "forward[0].exit", "64 hexadecimal"},
		{"exit short", entry("127.0.0.1:1", exitA[:63], "h:1"), "", "forward[0].exit", "64 hexadecimal"},
		{"exit not hex", entry("127.0.0.1:1", strings.Repeat("g", 64), "h:1"), "", "forward[0].exit", "64 hexadecimal"},
		{"exit second", ok + entry("127.0.0.1:1", "name", "h:1"), "", "forward[1].exit", "64 hexadecimal"},
		{"target missing", entry("127.0.0.1:1", exitA, ""), "", "forward[0].target", "not host:port"},
		{"target no port", entry("127.0.0.1:1", exitA, "db.lan"), "", "forward[0].target", "missing port"},
		{"target port 0", entry("127.0.0.1:1", exitA, "db.lan:0"), "", "forward[0].target", "not 1..65535"},
		{"target port 65536", entry("127.0.0.1:1", exitA, "db.lan:65536"), "", "forward[0].target", "not 1..65535"},
		{"target port negative", entry("127.0.0.1:1", exitA, "db.lan:-1"), "", "forward[0].target", "not 1..65535"},
		{"target empty host", entry("127.0.0.1:1", exitA, ":22"), "", "forward[0].target", "empty host"},
		{"target long host", entry("127.0.0.1:1", exitA, strings.Repeat("h", MaxTargetHostLen+1)+":22"), "", "forward[0].target", "longer than 255"},
		{"target space", entry("127.0.0.1:1", exitA, "db lan:22"), "", "forward[0].target", "space, control"},
		{"target non-ASCII", entry("127.0.0.1:1", exitA, "dé.lan:22"), "", "forward[0].target", "non-ASCII"},
		{"target bare IPv6", entry("127.0.0.1:1", exitA, "::1:22"), "", "forward[0].target", "too many colons"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(forwardBase + tt.extra + "forward:\n" + tt.entries))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err %v has no FieldError", err)
			}
			if !strings.Contains(err.Error(), tt.field+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q, want field %q and %q", err, tt.field, tt.want)
			}
		})
	}
}

// TestForwardReportsEveryProblem checks that one bad entry yields one error per bad field.
func TestForwardReportsEveryProblem(t *testing.T) {
	_, err := Parse(strings.NewReader(forwardBase + "forward: [{listen: x, exit: y, target: z}]\n"))
	for _, f := range []string{"forward[0].listen", "forward[0].exit", "forward[0].target"} {
		if err == nil || !strings.Contains(err.Error(), f+": ") {
			t.Errorf("err = %v, want a problem with %s", err, f)
		}
	}
}

func TestForwardLimit(t *testing.T) {
	for _, n := range []int{MaxForwards, MaxForwards + 1} {
		var b strings.Builder
		b.WriteString(forwardBase + "forward:\n")
		for i := range n {
			fmt.Fprintf(&b, "  - {listen: '127.0.0.1:%d', exit: %s, target: 'h:%d'}\n", 20000+i, exitA, 1+i)
		}
		_, err := Parse(strings.NewReader(b.String()))
		if n <= MaxForwards && err != nil {
			t.Fatalf("%d entries: %v", n, err)
		}
		if n > MaxForwards && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), fmt.Sprintf("forward: %d entries, at most %d", n, MaxForwards))) {
			t.Fatalf("%d entries: err = %v", n, err)
		}
	}
}

func TestForwardUnknownField(t *testing.T) {
	_, err := Parse(strings.NewReader(forwardBase + "forward: [{listen: '127.0.0.1:1', exit: " + exitA + ", target: 'h:1', to: x}]\n"))
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("err = %v, want ErrSyntax", err)
	}
}

// TestForwardFuzzSeed keeps the FuzzParse seed file with a forward section a valid configuration,
// so that the fuzzer starts from inputs that reach the forward validation.
func TestForwardFuzzSeed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", "forward"))
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "go test fuzz v1\n[]byte("
	s := string(data)
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, ")\n") {
		t.Fatalf("seed file is not in the go test fuzz v1 format: %q", s)
	}
	yaml, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(s, prefix), ")\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Forward) != 2 {
		t.Fatalf("seed has %d forward entries, want 2", len(c.Forward))
	}
}
