package fetch

import (
	"net/netip"
)

// forbiddenPrefixes are the networks a fetch must never reach, beyond what
// netip.Addr's own predicates (loopback, private, link-local, multicast,
// unspecified) already cover: a URL sent by a client must not turn the
// gateway into a way into the network it runs in.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network": 0.0.0.0 reaches the local host
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT, used inside clouds and VPNs
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking, sometimes routed internally
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: embeds an IPv4 address, private ones included
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("2001::/32"),       // Teredo: embeds an IPv4 address
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, cloud metadata (also IsLinkLocalUnicast)
	netip.MustParsePrefix("fd00:ec2::/32"),   // AWS metadata over IPv6 (also within fc00::/7)
	netip.MustParsePrefix("::ffff:0:0:0/96"), // SIIT IPv4-translated addresses
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (::127.0.0.1): deprecated, may still reach the IPv4 address
	netip.MustParsePrefix("fec0::/10"),       // site-local: deprecated, still routed inside some networks
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1), never a public site
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("3fff::/20"),       // documentation
}

// forbidden reports whether addr is an address a fetch must not connect to:
// loopback, private (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10,
// which hold the cloud metadata services), carrier-grade NAT, unspecified,
// multicast, or one of the reserved ranges above. An IPv4 address written as
// IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
func forbidden(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsUnspecified() ||
		addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() ||
		addr.IsMulticast() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
