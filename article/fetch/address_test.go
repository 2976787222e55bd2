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

		// IPv4 written inside IPv6, each way an address can embed one.
		{"::127.0.0.1", true}, // IPv4-compatible, ::/96
		{"::10.0.0.1", true},  // IPv4-compatible, private
		{"::8.8.8.8", true},   // IPv4-compatible: deprecated, refused whole
		{"::ffff:169.254.169.254", true},
		{"::ffff:0:127.0.0.1", true},                   // SIIT IPv4-translated
		{"64:ff9b::127.0.0.1", true},                   // NAT64
		{"64:ff9b:1::a00:1", true},                     // local-use NAT64
		{"2002:7f00:1::1", true},                       // 6to4 of 127.0.0.1
		{"2002:a00:1::1", true},                        // 6to4 of 10.0.0.1
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", true}, // Teredo
		{"0.1.2.3", true},                              // 0.0.0.0/8
		{"100.100.100.200", true},                      // CGNAT (a cloud's metadata service lives here)
		{"198.18.0.1", true},
		{"198.19.255.255", true},
		{"192.0.0.8", true},
		{"192.0.2.1", true},
		{"198.51.100.7", true},
		{"203.0.113.9", true},
		{"192.88.99.1", true},
		{"239.255.255.250", true}, // multicast (SSDP)
		{"ff05::2", true},
		{"240.0.0.1", true},
		{"fc00::1", true},
		{"fdff:ffff::1", true},
		{"fe80::1%eth0", true},
		{"febf::1", true}, // the top of fe80::/10
		{"fec0::1", true}, // site-local
		{"2001:db8::1", true},
		{"3fff::1", true},
		{"100::1", true},

		{"93.184.215.14", false},
		{"151.101.1.195", false},
		{"172.32.0.1", false},
		{"100.128.0.1", false},
		{"2a00:1450:4007:80f::200e", false},
		{"::ffff:8.8.8.8", false},
		{"2606:4700:4700::1111", false},
		{"198.20.0.1", false},
		{"2003::1", false},
		{"2001:4860:4860::8888", false}, // outside Teredo's 2001::/32
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := forbidden(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Errorf("forbidden(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}
