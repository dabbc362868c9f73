package api

import (
	"errors"
	"strings"
	"testing"
)

const validatorDoc = `{
  "openapi": "3.0.3",
  "paths": {},
  "components": {"schemas": {
    "T": {"type": "object", "required": ["s", "i"], "additionalProperties": false, "properties": {
      "s": {"type": "string", "enum": ["a", "b"]},
      "i": {"type": "integer", "minimum": 1, "maximum": 10},
      "n": {"type": "number", "minimum": 0, "maximum": 1.5},
      "b": {"type": "boolean"},
      "t": {"type": "string", "format": "date-time"},
      "l": {"type": "array", "nullable": true, "items": {"$ref": "#/components/schemas/U"}},
      "o": {"type": "object"}
    }},
    "U": {"type": "object", "properties": {"x": {"type": "integer", "minimum": 0}}},
    "Loop": {"$ref": "#/components/schemas/Missing"}
  }}
}`

func TestSchemaValidator(t *testing.T) {
	d, err := parseDoc([]byte(validatorDoc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		json string
		want string // substring of the error; empty means valid
	}{
		{`{"s":"a","i":1}`, ""},
		{`{"s":"b","i":10,"n":1.5,"b":false,"t":"2025-01-02T03:04:05.123+01:00","l":[{"x":18446744073709551615},{"y":"free"}],"o":{"any":1}}`, ""},
		{`{"s":"a","i":1,"l":null}`, ""},
		{`{"s":"a","i":1e0}`, ""},
		{`{"s":"a"}`, `required property "i"`},
		{`{"s":"c","i":1}`, "not in enum"},
		{`{"s":1,"i":1}`, "not in enum"},
		{`{"s":"a","i":1,"z":0}`, `property "z" not allowed`},
		{`{"s":"a","i":0}`, "below minimum"},
		{`{"s":"a","i":11}`, "above maximum"},
		{`{"s":"a","i":1.5}`, "not an integer"},
		{`{"s":"a","i":"1"}`, "not a number"},
		{`{"s":"a","i":1,"n":1.50001}`, "above maximum"},
		{`{"s":"a","i":1,"n":-0.1}`, "below minimum"},
		{`{"s":"a","i":1,"b":"true"}`, "not a boolean"},
		{`{"s":"a","i":1,"t":"yesterday"}`, "not a date-time"},
		{`{"s":"a","i":1,"t":5}`, "not a string"},
		{`{"s":"a","i":1,"l":{}}`, "not an array"},
		{`{"s":"a","i":1,"l":[{"x":-1}]}`, "below minimum"},
		{`{"s":"a","i":1,"l":[null]}`, "null"},
		{`{"s":"a","i":1,"o":[]}`, "not an object"},
		{`[]`, "not an object"},
		{`null`, "null"},
		{`{"s":"a","i":1} {}`, "invalid JSON: trailing data"},
		{`{"s":`, "invalid JSON"},
	}
	for _, tt := range tests {
		err := d.validate(&schema{Ref: schemaRefPrefix + "T"}, []byte(tt.json))
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.json, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.json, err, tt.want)
		}
		if strings.Contains(tt.want, "JSON") != !errors.Is(err, errSchema) {
			t.Errorf("%s: err = %v: errSchema only for schema mismatches", tt.json, err)
		}
	}
	if err := d.validate(&schema{Ref: schemaRefPrefix + "Loop"}, []byte(`1`)); err == nil || !strings.Contains(err.Error(), "unresolved") {
		t.Errorf("unresolved ref: %v", err)
	}
	if err := d.validateValue(&schema{Type: "integer"}, 2.5, "$"); err == nil {
		t.Error("float64 2.5 accepted as integer")
	}
	if err := d.validateValue(&schema{Type: "tuple"}, 1, "$"); err == nil {
		t.Error("unknown type accepted")
	}
}

func TestCheckSchema(t *testing.T) {
	d, err := parseDoc([]byte(validatorDoc))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.checkSchema(d.Components.Schemas["T"], "T"); err != nil {
		t.Fatalf("T: %v", err)
	}
	min, no := 1.0, false
	tests := []struct {
		s    *schema
		want string
	}{
		{nil, "missing schema"},
		{&schema{Ref: "#/components/schemas/U", Type: "string"}, "$ref with siblings"},
		{&schema{Ref: "#/definitions/U"}, "unresolved"},
		{&schema{Type: "object", Required: []string{"a"}}, "not a property"},
		{&schema{Type: "object", Properties: properties{{"a", &schema{Type: "date"}}}}, "unknown type"},
		{&schema{Type: "array"}, "missing schema"},
		{&schema{Type: "string", Required: []string{"a"}}, "object keywords"},
		{&schema{Type: "string", AdditionalProperties: &no}, "object keywords"},
		{&schema{Type: "string", Items: &schema{Type: "string"}}, "items on type"},
		{&schema{Type: "string", Minimum: &min}, "bounds on type"},
		{&schema{Type: "integer", Format: "int64"}, "unsupported format"},
		{&schema{Type: "integer", Minimum: &min, Default: 0.0}, "below minimum"},
	}
	for _, tt := range tests {
		if err := d.checkSchema(tt.s, "s"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want %q", tt.s, err, tt.want)
		}
	}
	for _, bad := range []string{
		`{"openapi":"3.0.3","paths":{},"components":{"schemas":{"T":{"type":"object","pattern":"x"}}}}`,
		`{"openapi":"3.0.3","paths":{},"components":{"schemas":{"T":{"type":"object","properties":{"a":{},"a":{}}}}}}`,
		`{"openapi":"3.0.3","paths":{},"components":{"schemas":{"T":{"type":"object","properties":[]}}}}`,
		`{"openapi":"3.0.3","paths":{},"components":{"schemas":{"T":{"type":"object","properties":{"a":{"oneOf":[]}}}}}}`,
		`{"openapi":"3.0.3","paths":{"/x":{"get":{"callbacks":{}}}}}`,
		`{"openapi":"3.0.3"} {}`,
	} {
		if _, err := parseDoc([]byte(bad)); err == nil {
			t.Errorf("parseDoc accepted %s", bad)
		}
	}
}
