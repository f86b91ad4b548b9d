package tlsca

import (
	"fmt"
	"net"
	"slices"
	"strings"
)

// DefaultNames are always in the server certificate: the loopback names
// developers and the Microsoft clients' tests use. The discovery document is
// built from the request's Host, so each of these must verify on its own.
var DefaultNames = []string{"localhost", "127.0.0.1", "::1"}

// nameSet is a normalized set of subject alternative names, sorted so that
// two sets compare equal exactly when they name the same hosts.
type nameSet struct {
	dns []string
	ips []net.IP
}

// newNameSet merges DefaultNames with extra and normalizes them: DNS names are
// lower-cased without a trailing dot, IP literals (optionally in brackets) are
// parsed, duplicates are dropped and empty entries ignored. Anything that is
// neither a host name (optionally a leading "*." wildcard) nor an IP literal,
// such as a URL or host:port, is an error, so a typo in --tls-name is caught
// at start-up rather than in a client's handshake.
func newNameSet(extra []string) (nameSet, error) {
	var s nameSet
	seenDNS := map[string]bool{}
	seenIP := map[string]bool{}
	for _, raw := range append(slices.Clone(DefaultNames), extra...) {
		name := strings.TrimSpace(raw)
		if name == "" {
			continue
		}
		if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")); ip != nil {
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			if !seenIP[ip.String()] {
				seenIP[ip.String()] = true
				s.ips = append(s.ips, ip)
			}
			continue
		}
		name = strings.ToLower(strings.TrimSuffix(name, "."))
		if !validDNSName(name) {
			return nameSet{}, fmt.Errorf("tlsca: %q is neither a host name nor an IP address", raw)
		}
		if !seenDNS[name] {
			seenDNS[name] = true
			s.dns = append(s.dns, name)
		}
	}
	s.sort()
	return s, nil
}

// nameSetOf returns the normalized names a certificate covers.
func nameSetOf(dns []string, ips []net.IP) nameSet {
	s := nameSet{dns: slices.Clone(dns)}
	for _, ip := range ips {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		s.ips = append(s.ips, ip)
	}
	s.sort()
	return s
}

func (s *nameSet) sort() {
	slices.Sort(s.dns)
	slices.SortFunc(s.ips, func(a, b net.IP) int { return strings.Compare(a.String(), b.String()) })
}

func (s nameSet) equal(o nameSet) bool {
	return slices.Equal(s.dns, o.dns) && slices.EqualFunc(s.ips, o.ips, net.IP.Equal)
}

// validDNSName accepts LDH labels of at most 63 bytes, an optional leading
// "*" label, and at most 253 bytes overall. Underscores are allowed because
// some container and test host names use them and Go's verifier accepts them.
func validDNSName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for i, label := range strings.Split(name, ".") {
		if label == "*" && i == 0 && strings.Contains(name, ".") {
			continue
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
