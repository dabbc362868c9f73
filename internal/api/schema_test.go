package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// This file holds the test-side model of the OpenAPI document and a strict validator for the subset
// of JSON Schema the document uses. Unknown keywords fail decoding, so the document cannot use a
// construct the validator would silently ignore.

type oaDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
	} `json:"info"`
	Servers []struct {
		URL         string `json:"url"`
		Description string `json:"description"`
	} `json:"servers"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Security   []map[string][]string              `json:"security"`
	Paths      map[string]map[string]*oaOperation `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type        string `json:"type"`
			Scheme      string `json:"scheme"`
			Description string `json:"description"`
		} `json:"securitySchemes"`
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type oaOperation struct {
	OperationID string   `json:"operationId"`
	Tags        []string `json:"tags"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	// Security is nil when the operation inherits the document's requirement.
	Security    *[]map[string][]string `json:"security"`
	RequestBody *struct {
		Required bool               `json:"required"`
		Content  map[string]oaMedia `json:"content"`
	} `json:"requestBody"`
	Responses map[string]oaResponse `json:"responses"`
	// Parameters are the operation's query and path parameters.
	Parameters []oaParameter `json:"parameters"`
}

// oaParameter is a query or path parameter of an operation.
type oaParameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Required    bool    `json:"required"`
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
}

type oaResponse struct {
	Description string `json:"description"`
	Headers     map[string]struct {
		Description string  `json:"description"`
		Schema      *schema `json:"schema"`
	} `json:"headers"`
	Content map[string]oaMedia `json:"content"`
}

type oaMedia struct {
	Schema  *schema         `json:"schema"`
	Example json.RawMessage `json:"example"`
}

// schema is the JSON Schema subset in use.
type schema struct {
	Ref                  string     `json:"$ref"`
	Type                 string     `json:"type"`
	Format               string     `json:"format"`
	Description          string     `json:"description"`
	Nullable             bool       `json:"nullable"`
	Enum                 []any      `json:"enum"`
	Minimum              *float64   `json:"minimum"`
	Maximum              *float64   `json:"maximum"`
	Default              any        `json:"default"`
	Properties           properties `json:"properties"`
	Required             []string   `json:"required"`
	AdditionalProperties *bool      `json:"additionalProperties"`
	Items                *schema    `json:"items"`
}

type property struct {
	name   string
	schema *schema
}

// properties keeps the order of the document so docs/api.md lists fields as the types do.
type properties []property

func (p *properties) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("properties: not an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name := t.(string)
		if p.get(name) != nil {
			return fmt.Errorf("properties: duplicate %q", name)
		}
		s := new(schema)
		if err := dec.Decode(s); err != nil {
			return fmt.Errorf("properties: %s: %w", name, err)
		}
		*p = append(*p, property{name, s})
	}
	return nil
}

func (p properties) get(name string) *schema {
	for _, q := range p {
		if q.name == name {
			return q.schema
		}
	}
	return nil
}

func (p properties) names() []string {
	var n []string
	for _, q := range p {
		n = append(n, q.name)
	}
	return n
}

const schemaRefPrefix = "#/components/schemas/"

var errSchema = errors.New("does not match the schema")

// parseDoc strictly decodes an OpenAPI document.
func parseDoc(b []byte) (*oaDoc, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	d := new(oaDoc)
	if err := dec.Decode(d); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return d, nil
}

func (d *oaDoc) resolve(s *schema) (*schema, error) {
	for s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, schemaRefPrefix)
		t := d.Components.Schemas[name]
		if !ok || t == nil {
			return nil, fmt.Errorf("unresolved $ref %q", s.Ref)
		}
		s = t
	}
	return s, nil
}

// checkSchema checks that s is well formed: known types and formats, keywords only where they
// apply, required names among the properties, resolvable references.
func (d *oaDoc) checkSchema(s *schema, at string) error {
	if s == nil {
		return fmt.Errorf("%s: missing schema", at)
	}
	if s.Ref != "" {
		if s.Type != "" || s.Properties != nil || s.Items != nil || s.Enum != nil {
			return fmt.Errorf("%s: $ref with siblings", at)
		}
		_, err := d.resolve(s)
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		return nil
	}
	switch s.Type {
	case "object":
		for _, r := range s.Required {
			if s.Properties.get(r) == nil {
				return fmt.Errorf("%s: required %q is not a property", at, r)
			}
		}
		for _, p := range s.Properties {
			if err := d.checkSchema(p.schema, at+"."+p.name); err != nil {
				return err
			}
		}
	case "array":
		if err := d.checkSchema(s.Items, at+"[]"); err != nil {
			return err
		}
	case "string", "integer", "number", "boolean":
	default:
		return fmt.Errorf("%s: unknown type %q", at, s.Type)
	}
	if s.Type != "object" && (s.Properties != nil || s.Required != nil || s.AdditionalProperties != nil) {
		return fmt.Errorf("%s: object keywords on type %s", at, s.Type)
	}
	if s.Type != "array" && s.Items != nil {
		return fmt.Errorf("%s: items on type %s", at, s.Type)
	}
	if (s.Minimum != nil || s.Maximum != nil) && s.Type != "integer" && s.Type != "number" {
		return fmt.Errorf("%s: bounds on type %s", at, s.Type)
	}
	if s.Format != "" && !(s.Format == "date-time" && s.Type == "string") {
		return fmt.Errorf("%s: unsupported format %q on %s", at, s.Format, s.Type)
	}
	if s.Default != nil {
		if err := d.validateValue(s, s.Default, at+" default"); err != nil {
			return err
		}
	}
	return nil
}

// validate checks the JSON text b against s.
func (d *oaDoc) validate(s *schema, b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return errors.New("invalid JSON: trailing data")
	}
	return d.validateValue(s, v, "$")
}

// validateValue checks v, as decoded by encoding/json (numbers as json.Number or float64), against s.
func (d *oaDoc) validateValue(s *schema, v any, at string) error {
	s, err := d.resolve(s)
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	if v == nil {
		if s.Nullable {
			return nil
		}
		return fmt.Errorf("%s: null %w", at, errSchema)
	}
	if len(s.Enum) > 0 {
		got, _ := json.Marshal(v)
		if !slices.ContainsFunc(s.Enum, func(e any) bool { b, _ := json.Marshal(e); return bytes.Equal(b, got) }) {
			return fmt.Errorf("%s: %s not in enum %v: %w", at, got, s.Enum, errSchema)
		}
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T is not an object: %w", at, v, errSchema)
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				return fmt.Errorf("%s: required property %q missing: %w", at, r, errSchema)
			}
		}
		for k, e := range m {
			p := s.Properties.get(k)
			if p == nil {
				if s.AdditionalProperties != nil && !*s.AdditionalProperties {
					return fmt.Errorf("%s: property %q not allowed: %w", at, k, errSchema)
				}
				continue
			}
			if err := d.validateValue(p, e, at+"."+k); err != nil {
				return err
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T is not an array: %w", at, v, errSchema)
		}
		for i, e := range a {
			if err := d.validateValue(s.Items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %T is not a string: %w", at, v, errSchema)
		}
		if s.Format == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				return fmt.Errorf("%s: %q is not a date-time: %w", at, str, errSchema)
			}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %T is not a boolean: %w", at, v, errSchema)
		}
	case "integer", "number":
		r, ok := numberOf(v)
		if !ok {
			return fmt.Errorf("%s: %v is not a number: %w", at, v, errSchema)
		}
		if s.Type == "integer" && !r.IsInt() {
			return fmt.Errorf("%s: %v is not an integer: %w", at, v, errSchema)
		}
		if s.Minimum != nil && r.Cmp(new(big.Rat).SetFloat64(*s.Minimum)) < 0 {
			return fmt.Errorf("%s: %v below minimum %v: %w", at, v, *s.Minimum, errSchema)
		}
		if s.Maximum != nil && r.Cmp(new(big.Rat).SetFloat64(*s.Maximum)) > 0 {
			return fmt.Errorf("%s: %v above maximum %v: %w", at, v, *s.Maximum, errSchema)
		}
	default:
		return fmt.Errorf("%s: unknown type %q", at, s.Type)
	}
	return nil
}

// numberOf returns v as an exact rational when it is a JSON number.
func numberOf(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case json.Number:
		return new(big.Rat).SetString(n.String())
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(n) == nil {
			return nil, false
		}
		return r, true
	}
	return nil, false
}
