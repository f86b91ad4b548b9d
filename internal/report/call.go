package report

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"graphgate/internal/catalog"
)

// Call is one Microsoft Graph request as an input records it. Method and
// URL are required; the rest is what the input knows.
type Call struct {
	Method string
	// URL is a full URL (https://graph.microsoft.com/v1.0/me/messages?…),
	// or a path with or without the version (/v1.0/me, /me: /v1.0).
	URL string
	// AppID is the calling app's client id ("" when unknown).
	AppID string
	// Scheme is the token's scheme; SchemeUnknown takes the Builder's.
	Scheme Scheme
	// Granted are the permissions the token held (scp or roles), when
	// GrantKnown.
	Granted    []string
	GrantKnown bool
	// Status is the HTTP status Graph answered (0 when unknown).
	Status int
	// Select, when not nil, are the properties the call selected, for an
	// input that records them apart from the URL; nil reads the URL's
	// $select.
	Select []string
	// RequestID is Graph's request-id (or the client-request-id).
	RequestID string
	// Time is when the call was made (zero when unknown).
	Time time.Time
	// User holds the signed-in user's object id and names (user principal
	// name, preferred user name), when known: /users/{that user} is their
	// own data, not another user's.
	User []string
	// Where says where the input holds the call ("line 12", "entry 3,
	// $batch request 2"), for messages.
	Where string
}

// Scheme is a call's permission scheme as the input says it.
type Scheme uint8

// The schemes a call can have.
const (
	// SchemeUnknown: the input does not say; the Builder's default applies.
	SchemeUnknown Scheme = iota
	// Delegated is a delegated token of a work or school account.
	Delegated
	// DelegatedPersonal is a delegated token of a personal Microsoft account.
	DelegatedPersonal
	// Application is an app-only token.
	Application
)

// ParseScheme reads delegated (work), personal and application (app), and
// Microsoft's names DelegatedWork, DelegatedPersonal and Application.
func ParseScheme(s string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "delegated", "work", "delegatedwork", "delegated-work":
		return Delegated, nil
	case "personal", "delegatedpersonal", "delegated-personal", "msa":
		return DelegatedPersonal, nil
	case "application", "app", "app-only", "apponly":
		return Application, nil
	}
	return SchemeUnknown, fmt.Errorf("unknown scheme %q (want delegated, personal or application)", s)
}

// Catalog returns the catalog's scheme (DelegatedWork for SchemeUnknown).
func (s Scheme) Catalog() catalog.Scheme {
	switch s {
	case DelegatedPersonal:
		return catalog.DelegatedPersonal
	case Application:
		return catalog.Application
	}
	return catalog.DelegatedWork
}

// String is the catalog's name of the scheme, or "unknown".
func (s Scheme) String() string {
	if s == SchemeUnknown {
		return "unknown"
	}
	return s.Catalog().String()
}

// graphHosts are the hosts of Microsoft Graph: the global service, the
// national clouds and the canary ring.
var graphHosts = map[string]bool{
	"graph.microsoft.com":             true,
	"canary.graph.microsoft.com":      true,
	"graph.microsoft.us":              true,
	"dod-graph.microsoft.us":          true,
	"microsoftgraph.chinacloudapi.cn": true,
}

// Reasons a call is not placed (Unplaced.Reason).
const (
	UnplacedHost    = "not_graph"       // the host is not Microsoft Graph (nor graphgate)
	UnplacedVersion = "no_version"      // a Graph URL without /v1.0 or /beta
	UnplacedURL     = "malformed_url"   // the URL or path cannot be read
	UnplacedMethod  = "method"          // a method Graph's permission data does not cover
	UnplacedRoute   = "no_route"        // no rule for the path
	UnplacedNoRule  = "no_method_rule"  // the path has rules, not for this method
	UnplacedBatch   = "batch_body"      // a $batch request whose body is missing or unreadable
	UnplacedInBatch = "batch_malformed" // a request of a $batch body without method or URL
)

// placeErr is why a URL is not a Graph call.
type placeErr struct {
	reason, detail string
}

func (e *placeErr) Error() string { return e.detail }

// graphPath returns the path of a Graph request URL below its version, with
// the query string, and the version: "/me/messages?$top=1", "v1.0". A path
// without a host may omit the version (v1.0). extra lists further hosts
// that serve Graph (graphgate behind a name of its own).
func graphPath(raw string, extra map[string]bool) (path, version string, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "", &placeErr{UnplacedURL, "empty URL"}
	}
	u, perr := url.Parse(raw)
	if perr != nil {
		return "", "", &placeErr{UnplacedURL, perr.Error()}
	}
	hosted := u.Scheme != "" || u.Host != ""
	if hosted {
		if u.Scheme != "https" && u.Scheme != "http" {
			return "", "", &placeErr{UnplacedHost, "scheme " + u.Scheme + " is not HTTP"}
		}
		host := strings.ToLower(u.Hostname())
		if !graphHosts[host] && !extra[host] && !loopback(host) {
			return "", "", &placeErr{UnplacedHost, "host " + host + " is not Microsoft Graph"}
		}
	} else if !strings.HasPrefix(raw, "/") {
		return "", "", &placeErr{UnplacedURL, "neither a URL nor a path starting with /"}
	}
	p := u.EscapedPath()
	lower := strings.ToLower(p)
	switch {
	case lower == "/v1.0" || strings.HasPrefix(lower, "/v1.0/"):
		version, p = "v1.0", p[len("/v1.0"):]
	case lower == "/beta" || strings.HasPrefix(lower, "/beta/"):
		version, p = "beta", p[len("/beta"):]
	case hosted:
		return "", "", &placeErr{UnplacedVersion, "no API version: Graph URLs start with /v1.0 or /beta"}
	default:
		version = "v1.0"
	}
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p, version, nil
}

// loopback reports whether host is this machine: a graphgate URL.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// queryReads returns the properties a call's query reads: its $select and
// $expand names (the first segment of each: from/emailAddress reads from),
// lower case. all is set when the call reads the default properties (no
// $select) or every property ($select=*).
func queryReads(rawQuery string) (props []string, all bool) {
	all = true
	if rawQuery == "" {
		return nil, true
	}
	vals, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, true
	}
	for k, vs := range vals {
		key := strings.ToLower(strings.TrimPrefix(k, "$"))
		if key != "select" && key != "expand" {
			continue
		}
		for _, v := range vs {
			for _, item := range splitTopLevel(v) {
				name := strings.TrimSpace(item)
				if i := strings.IndexAny(name, "(/"); i >= 0 {
					name = name[:i]
				}
				if name == "" {
					continue
				}
				if name == "*" {
					return nil, true
				}
				if key == "select" {
					all = false
				}
				props = append(props, strings.ToLower(name))
			}
		}
	}
	return props, all
}

// splitTopLevel splits an option value at commas outside parentheses:
// $expand=attachments($select=name,size),event.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
