package fetch

import (
	"net/netip"
	"testing"
)

func TestForbidden(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true},
		{"10.0.0.1", true},
		{"172.16.5.4", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"169.254.169.254", true},
		{"169.254.1.1", true},
		{"fd00:ec2::254", true},
		{"fe80::1", true},
		{"100.64.0.1", true},
		{"100.127.255.254", true},
		{"0.0.0.0", true},
		{"::", true},
		{"224.0.0.1", true},
		{"ff02::1", true},
		{"255.255.255.255", true},
		{"64:ff9b::a00:1", true},
		{"::ffff:10.0.0.1", true},

		{"93.184.215.14", false},
		{"151.101.1.195", false},
		{"172.32.0.1", false},
		{"100.128.0.1", false},
		{"2a00:1450:4007:80f::200e", false},
		{"::ffff:8.8.8.8", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := forbidden(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("forbidden(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}
