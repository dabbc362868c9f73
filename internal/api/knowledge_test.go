package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// docKnowledge is what docBackend's BackupKnowledge sends.
var docKnowledge = bytes.Repeat([]byte("knowledge "), 1000)

func (b *docBackend) BackupKnowledge(w io.Writer) (int64, error) {
	if b.backupErr != nil {
		return 0, b.backupErr
	}
	n, err := w.Write(docKnowledge)
	return int64(n), err
}

// knowledgeExchanges draw the knowledge backup's error responses.
func knowledgeExchanges() []exchange {
	const path = "/api/v1/knowledge/backup"
	add := func(name string, err error, plain bool, status int) exchange {
		return exchange{name: path + " " + name, backend: docBackend{backupErr: err}, noModels: plain, method: "GET", path: path, status: status}
	}
	return []exchange{
		add("memory only", fmt.Errorf("%w: no knowledge file", ErrNotFound), false, 404),
		add("failed", errors.New("store: backup: input/output error"), false, 500),
		add("no store", nil, true, 501),
		add("healing off", fmt.Errorf("%w: self-healing is disabled", ErrUnavailable), false, 503),
	}
}

// midStreamBackend fails after writing part of the file.
type midStreamBackend struct{ docBackend }

func (midStreamBackend) BackupKnowledge(w io.Writer) (int64, error) {
	n, _ := w.Write(docKnowledge[:100])
	return int64(n), errors.New("disk read failed")
}

// TestClientBackupKnowledge: the client receives the bytes the backend wrote; an error before the
// first byte arrives as the API's error message; an error after it cuts the transfer so that the
// client fails instead of keeping a truncated copy.
func TestClientBackupKnowledge(t *testing.T) {
	tests := []struct {
		name    string
		b       Backend
		token   string
		want    []byte
		wantErr string
	}{
		{"ok", &docBackend{}, testToken, docKnowledge, ""},
		{"wrong token", &docBackend{}, "nope", nil, "401"},
		{"memory only", &docBackend{backupErr: fmt.Errorf("%w: no knowledge file", ErrNotFound)}, testToken, nil, "no knowledge file (404)"},
		{"mid-stream failure", &midStreamBackend{}, testToken, nil, "api: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(NewHandler(tt.b, Options{Token: testToken}))
			defer srv.Close()
			var buf bytes.Buffer
			c := &Client{Base: srv.URL, Token: tt.token}
			n, err := c.BackupKnowledge(context.Background(), &buf)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || n != int64(len(tt.want)) || !bytes.Equal(buf.Bytes(), tt.want) {
				t.Fatalf("n %d, err %v, body equal %v", n, err, bytes.Equal(buf.Bytes(), tt.want))
			}
		})
	}
	if _, err := (&Client{Base: "http://127.0.0.1:1"}).BackupKnowledge(context.Background(), io.Discard); err == nil {
		t.Fatal("no error from a closed port")
	}
	if _, err := (&Client{Base: "://bad"}).BackupKnowledge(context.Background(), io.Discard); err == nil {
		t.Fatal("no error from a bad base URL")
	}
}
