//go:build deps

// Package main pins module dependencies that packages are about to use.
package main
import (
 _ "github.com/cloudflare/circl/sign/mldsa/mldsa65"
 _ "github.com/spf13/cobra"
 _ "go.yaml.in/yaml/v3"
 _ "golang.org/x/crypto/chacha20poly1305"
 _ "golang.org/x/crypto/hkdf"
 _ "go.etcd.io/bbolt"
 _ "github.com/prometheus/client_golang/prometheus"
 _ "pgregory.net/rapid"
 _ "go.uber.org/goleak"
 _ "gonum.org/v1/gonum/mat"
)
func main(){}
