package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client talks to a node's local endpoint, as the CLI does.
type Client struct {
	// Base is the endpoint's base URL, such as http://127.0.0.1:7100.
	Base string
	// Token is sent as a bearer token when not empty.
	Token string
	// HTTP is the client to use; nil means http.DefaultClient.
	HTTP *http.Client
}

// Node fetches /api/v1/node.
func (c *Client) Node(ctx context.Context) (NodeInfo, error) {
	var n NodeInfo
	return n, c.do(ctx, http.MethodGet, "/api/v1/node", nil, &n)
}

// Peers fetches /api/v1/peers.
func (c *Client) Peers(ctx context.Context) ([]PeerInfo, error) {
	var p []PeerInfo
	return p, c.do(ctx, http.MethodGet, "/api/v1/peers", nil, &p)
}

// Routes fetches /api/v1/routes.
func (c *Client) Routes(ctx context.Context) ([]RouteInfo, error) {
	var r []RouteInfo
	return r, c.do(ctx, http.MethodGet, "/api/v1/routes", nil, &r)
}

// Topology fetches /api/v1/topology.
func (c *Client) Topology(ctx context.Context) (Topology, error) {
	var t Topology
	return t, c.do(ctx, http.MethodGet, "/api/v1/topology", nil, &t)
}

// Ping runs a ping through the node.
func (c *Client) Ping(ctx context.Context, req PingRequest) (PingResult, error) {
	var res PingResult
	return res, c.do(ctx, http.MethodPost, "/api/v1/ping", req, &res)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return responseError(method, path, resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize))
	if err != nil {
		return fmt.Errorf("api: reading %s: %w", path, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("api: decoding %s: %w", path, err)
	}
	return nil
}

// send makes a request with the Client's token; a non-nil body is sent as JSON.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Base, "/")+path, body)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("api: %w (is the node running?)", err)
	}
	return resp, nil
}

// responseError turns a failed response into an error carrying the API's error message.
func responseError(method, path string, resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize))
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return fmt.Errorf("api: %s %s: %s (%d)", method, path, e.Error, resp.StatusCode)
	}
	return fmt.Errorf("api: %s %s: status %d", method, path, resp.StatusCode)
}
