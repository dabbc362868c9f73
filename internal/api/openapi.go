package api

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openapiJSON is the OpenAPI 3.0.3 description of the API. The tests check it against the router,
// the Go types and real responses, and generate docs/api.md from it.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns a copy of the OpenAPI 3.0.3 document (JSON) describing the API, as served at
// GET /api/v1/openapi.json.
func OpenAPI() []byte { return bytes.Clone(openapiJSON) }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openapiJSON)
}
