package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/x0tta6bl4/x0tta6bl4/internal/discovery"
)

const discoveryBase = "listen: 0.0.0.0:7000\nidentity: {key: k, cert: c, ca: a}\n"

func TestDiscoveryDefaults(t *testing.T) {
	c, err := Parse(strings.NewReader(discoveryBase))
	if err != nil {
		t.Fatal(err)
	}
	want := Discovery{LAN: false, Group: discovery.DefaultGroup, Interval: Duration(discovery.DefaultInterval)}
	if c.Discovery != want {
		t.Fatalf("defaults %+v, want %+v", c.Discovery, want)
	}
}

func TestDiscoveryValid(t *testing.T) {
	tests := []struct {
		yaml string
		want Discovery
	}{
		{"discovery: {lan: true}", Discovery{LAN: true, Group: discovery.DefaultGroup, Interval: Duration(discovery.DefaultInterval)}},
		{"discovery: {lan: true, group: '239.255.1.2:9000', interval: 1s}", Discovery{LAN: true, Group: "239.255.1.2:9000", Interval: Duration(time.Second)}},
		{"discovery: {lan: true, group: '224.0.0.251:7001', interval: 5m}", Discovery{LAN: true, Group: "224.0.0.251:7001", Interval: Duration(5 * time.Minute)}},
		// Off, the group may share the transport's port: no socket is opened.
		{"discovery: {group: '239.255.1.2:7000'}", Discovery{Group: "239.255.1.2:7000", Interval: Duration(discovery.DefaultInterval)}},
	}
	for _, tt := range tests {
		c, err := Parse(strings.NewReader(discoveryBase + tt.yaml + "\n"))
		if err != nil {
			t.Errorf("%s: %v", tt.yaml, err)
			continue
		}
		if c.Discovery != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.yaml, c.Discovery, tt.want)
		}
	}
}

func TestDiscoveryInvalid(t *testing.T) {
	tests := []struct {
		yaml, field, want string
	}{
		{"discovery: {group: 'nonsense'}", "discovery.group", "not IP:port"},
		{"discovery: {group: '239.255.1.2'}", "discovery.group", "not IP:port"},
		{"discovery: {group: '192.168.1.255:7199'}", "discovery.group", "not an IPv4 multicast"},
		{"discovery: {group: '[ff02::1]:7199'}", "discovery.group", "not an IPv4 multicast"},
		{"discovery: {group: '239.255.1.2:0'}", "discovery.group", "port 0"},
		{"discovery: {lan: true, group: '239.255.1.2:7000'}", "discovery.group", "listen port"},
		{"discovery: {interval: 999ms}", "discovery.interval", "outside"},
		{"discovery: {interval: 6m}", "discovery.interval", "outside"},
		{"discovery: {interval: -1s}", "discovery.interval", "outside"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(discoveryBase + tt.yaml + "\n"))
		var fe *FieldError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) {
			t.Errorf("%s: err = %v, want a field error", tt.yaml, err)
			continue
		}
		if fe.Field != tt.field || !strings.Contains(fe.Problem, tt.want) {
			t.Errorf("%s: %v, want %s: ...%s...", tt.yaml, err, tt.field, tt.want)
		}
	}
	// Unknown keys and wrong types are refused by the strict decoder.
	for _, y := range []string{"discovery: {lan: true, port: 1}", "discovery: {lan: maybe}", "discovery: {interval: soon}"} {
		if _, err := Parse(strings.NewReader(discoveryBase + y + "\n")); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: err = %v, want ErrSyntax", y, err)
		}
	}
}
