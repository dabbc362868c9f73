package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/api.md from openapi.json")

const apiDocPath = "../../docs/api.md"

// TestAPIDoc fails when docs/api.md is not what the OpenAPI document generates; regenerate it with
// go test ./internal/api -run TestAPIDoc -update.
func TestAPIDoc(t *testing.T) {
	d := loadDoc(t)
	got, err := renderMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(apiDocPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(apiDocPath)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/api.md is stale: run go test ./internal/api -run TestAPIDoc -update")
	}
	for _, want := range []string{"## `GET /api/v1/node`", "## `GET /api/v1/topology`", "### TopologyLink", "## `POST /api/v1/ping`", "| `504` |", "### PingRequest", "`timeout_seconds`"} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("generated docs lack %q", want)
		}
	}
}

var methodOrder = []string{"get", "head", "post", "put", "patch", "delete"}

// renderMarkdown renders the reference documentation of the API from its OpenAPI document.
func renderMarkdown(d *oaDoc) ([]byte, error) {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# %s\n\n", d.Info.Title)
	p("<!-- Generated from internal/api/openapi.json by `go test ./internal/api -run TestAPIDoc -update`. Do not edit. -->\n\n")
	p("%s\n\n", d.Info.Description)
	p("The machine-readable description is the OpenAPI %s document served at `GET /api/v1/openapi.json`\n", d.OpenAPI)
	p("(source: `internal/api/openapi.json`). API version %s.", d.Info.Version)
	for _, s := range d.Servers {
		p(" Base URL: `%s`, %s", s.URL, strings.TrimSuffix(s.Description, "."))
	}
	p(".\n\n## Authentication\n\n")
	for _, name := range slices.Sorted(mapKeys(d.Components.SecuritySchemes)) {
		sc := d.Components.SecuritySchemes[name]
		p("`%s`: HTTP `%s` authentication, header `Authorization: Bearer TOKEN`. %s\n\n", name, sc.Scheme, sc.Description)
	}
	type endpoint struct {
		method, path string
		op           *oaOperation
	}
	var eps []endpoint
	for _, path := range slices.Sorted(mapKeys(d.Paths)) {
		for _, m := range methodOrder {
			if op := d.Paths[path][m]; op != nil {
				eps = append(eps, endpoint{strings.ToUpper(m), path, op})
			}
		}
		if len(d.Paths[path]) == 0 {
			return nil, fmt.Errorf("path %s has no operation", path)
		}
	}
	auth := func(op *oaOperation) string {
		if op.Security != nil && len(*op.Security) == 0 || len(d.Security) == 0 {
			return "none"
		}
		return "bearer token"
	}
	p("## Endpoints\n\n| Method | Path | Auth | Summary |\n|---|---|---|---|\n")
	for _, e := range eps {
		p("| %s | [`%s`](#%s) | %s | %s |\n", e.method, e.path, anchor(e.method+" "+e.path), auth(e.op), e.op.Summary)
	}
	for _, e := range eps {
		p("\n## `%s %s`\n\n%s.", e.method, e.path, e.op.Summary)
		if e.op.Description != "" {
			p(" %s", e.op.Description)
		}
		p("\n\nAuth: %s.\n", auth(e.op))
		if len(e.op.Parameters) > 0 {
			p("\n| Parameter | In | Type | Required | Meaning |\n|---|---|---|---|---|\n")
			for _, q := range e.op.Parameters {
				p("| `%s` | %s | %s | %v | %s |\n", q.Name, q.In, typeName(q.Schema), q.Required, q.Description)
			}
		}
		if rb := e.op.RequestBody; rb != nil {
			for _, ct := range slices.Sorted(mapKeys(rb.Content)) {
				m := rb.Content[ct]
				req := "optional"
				if rb.Required {
					req = "required"
				}
				p("\nRequest body (`%s`, %s): %s\n\n", ct, req, typeName(m.Schema))
				if err := example(&b, ct, m.Example); err != nil {
					return nil, fmt.Errorf("%s %s request: %w", e.method, e.path, err)
				}
			}
		}
		statuses := slices.Sorted(mapKeys(e.op.Responses))
		p("\n| Status | Body | Meaning |\n|---|---|---|\n")
		for _, st := range statuses {
			r := e.op.Responses[st]
			var bodies []string
			for _, ct := range slices.Sorted(mapKeys(r.Content)) {
				bodies = append(bodies, fmt.Sprintf("%s (`%s`)", typeName(r.Content[ct].Schema), ct))
			}
			meaning := r.Description
			for _, h := range slices.Sorted(mapKeys(r.Headers)) {
				meaning += fmt.Sprintf(" Header `%s`: %s", h, r.Headers[h].Description)
			}
			p("| `%s` | %s | %s |\n", st, strings.Join(bodies, ", "), meaning)
		}
		for _, st := range statuses {
			r := e.op.Responses[st]
			for _, ct := range slices.Sorted(mapKeys(r.Content)) {
				p("\nExample `%s` response:\n\n", st)
				if err := example(&b, ct, r.Content[ct].Example); err != nil {
					return nil, fmt.Errorf("%s %s %s: %w", e.method, e.path, st, err)
				}
			}
		}
	}
	p("\n## Schemas\n")
	for _, name := range slices.Sorted(mapKeys(d.Components.Schemas)) {
		s := d.Components.Schemas[name]
		p("\n### %s\n\n%s", name, s.Description)
		if s.AdditionalProperties != nil && !*s.AdditionalProperties {
			p(" No other fields are allowed.")
		}
		p("\n\n| Field | Type | Required | Description |\n|---|---|---|---|\n")
		for _, f := range s.Properties {
			req := "no"
			if slices.Contains(s.Required, f.name) {
				req = "yes"
			}
			p("| `%s` | %s | %s | %s |\n", f.name, typeName(f.schema), req, f.schema.Description)
		}
	}
	return b.Bytes(), nil
}

// typeName describes a schema in a few words, linking named schemas.
func typeName(s *schema) string {
	if s == nil {
		return "any"
	}
	if name, ok := strings.CutPrefix(s.Ref, schemaRefPrefix); ok {
		return fmt.Sprintf("[%s](#%s)", name, strings.ToLower(name))
	}
	t := s.Type
	switch {
	case s.Type == "array":
		t = "array of " + typeName(s.Items)
	case s.Format != "":
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		var e []string
		for _, v := range s.Enum {
			e = append(e, fmt.Sprintf("`%v`", v))
		}
		t += ": " + strings.Join(e, ", ")
	}
	switch {
	case s.Minimum != nil && s.Maximum != nil:
		t += fmt.Sprintf(", %v..%v", *s.Minimum, *s.Maximum)
	case s.Minimum != nil:
		t += fmt.Sprintf(", ≥ %v", *s.Minimum)
	}
	if s.Default != nil {
		t += fmt.Sprintf(", default %v", s.Default)
	}
	if s.Nullable {
		t += " or null"
	}
	return t
}

// example writes an example body as a fenced block.
func example(b *bytes.Buffer, contentType string, raw json.RawMessage) error {
	if contentType != "application/json" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("%s example is not a string: %w", contentType, err)
		}
		fmt.Fprintf(b, "```text\n%s```\n", s)
		return nil
	}
	var c, out bytes.Buffer
	if err := json.Compact(&c, raw); err != nil {
		return err
	}
	if err := json.Indent(&out, c.Bytes(), "", "  "); err != nil {
		return err
	}
	fmt.Fprintf(b, "```json\n%s\n```\n", out.Bytes())
	return nil
}

// anchor is GitHub's heading anchor of a heading made only of code text.
func anchor(heading string) string {
	var a strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			a.WriteRune(r)
		case r == ' ':
			a.WriteByte('-')
		}
	}
	return a.String()
}

func mapKeys[M ~map[string]V, V any](m M) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestRenderMarkdownErrors(t *testing.T) {
	tests := []struct {
		doc  string
		want string
	}{
		{`{"openapi":"3.0.3","paths":{"/x":{}}}`, "no operation"},
		{`{"openapi":"3.0.3","paths":{"/x":{"get":{"responses":{"200":{"content":{"text/plain":{"example":1}}}}}}}}`, "not a string"},
		{`{"openapi":"3.0.3","paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"string"}}}}}}}}`, "unexpected end"},
	}
	for _, tt := range tests {
		d, err := parseDoc([]byte(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := renderMarkdown(d); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
}
