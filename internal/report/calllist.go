package report

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxLine bounds a call-list line: a method, a URL as long as the matcher
// takes (graphpath.MaxLen) with its query, a status and directive words.
const maxLine = 16 << 10

// UnplacedLine is the reason of a call-list line that is not a call.
const UnplacedLine = "malformed_line"

// ReadCallList reads a call list into sink: one call per line,
//
//	METHOD URL [STATUS]
//	URL [STATUS]            (GET)
//
// where URL is a Graph URL (https://graph.microsoft.com/v1.0/…), a
// graphgate URL (https://localhost:8443/v1.0/…) or a path (/v1.0/me,
// /beta/me, or /me for /v1.0), and STATUS the HTTP status Graph answered
// (401 and 403 count as denied). Blank lines and lines starting with #
// are skipped, but for directives: a # line whose words are all key=value
// pairs of the keys app, scheme, granted and user sets, for the lines
// after it, the app's client id, the scheme (delegated, personal or
// application), the permissions the token held (comma-separated; "-" for
// none) and the signed-in user (object id or user principal name,
// comma-separated, so that /users/{that user} counts as their own data);
// an empty value unsets the key. A line that is not a call goes to the sink as unplaced, and the
// reading goes on; only a read error or ctx ending stops it.
func ReadCallList(ctx context.Context, r io.Reader, sink Sink) error {
	in := bufio.NewReaderSize(r, 64<<10)
	var cur Call
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		text, tooLong, err := readLine(in, maxLine)
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading the call list: %w", err)
		}
		where := "line " + strconv.Itoa(n)
		line := strings.TrimSpace(text)
		switch {
		case tooLong:
			sink.Unplaced("", "", UnplacedLine, fmt.Sprintf("longer than %d bytes", maxLine), where)
		case line == "":
		case strings.HasPrefix(line, "#"):
			directive(&cur, line)
		default:
			c, ok, why := parseCallLine(line)
			if !ok {
				sink.Unplaced("", line, UnplacedLine, why, where)
				break
			}
			c.AppID, c.Scheme, c.Granted, c.GrantKnown, c.User, c.Where = cur.AppID, cur.Scheme, cur.Granted, cur.GrantKnown, cur.User, where
			sink.Add(c)
		}
		if err == io.EOF {
			return nil
		}
	}
}

// parseCallLine reads "METHOD URL [STATUS]" or "URL [STATUS]".
func parseCallLine(line string) (Call, bool, string) {
	f := strings.Fields(line)
	var c Call
	if isURL(f[0]) {
		c.Method = "GET"
	} else {
		c.Method, f = strings.ToUpper(f[0]), f[1:]
		if len(f) == 0 {
			return c, false, "a method without a URL"
		}
	}
	c.URL = f[0]
	switch len(f) {
	case 1:
	case 2:
		st, err := strconv.Atoi(f[1])
		if err != nil || st < 100 || st > 599 {
			return c, false, fmt.Sprintf("%q after the URL is not an HTTP status", f[1])
		}
		c.Status = st
	default:
		return c, false, "more than METHOD URL STATUS (a URL with spaces must encode them as %20)"
	}
	return c, true, ""
}

func isURL(s string) bool { return strings.HasPrefix(s, "/") || strings.Contains(s, "://") }

// directive applies a "# key=value …" line to cur; any other comment is
// left alone.
func directive(cur *Call, line string) {
	words := strings.Fields(strings.TrimPrefix(line, "#"))
	if len(words) == 0 {
		return
	}
	next := *cur
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return // a comment
		}
		switch strings.ToLower(k) {
		case "app":
			next.AppID = v
		case "scheme":
			if v == "" {
				next.Scheme = SchemeUnknown
				continue
			}
			s, err := ParseScheme(v)
			if err != nil {
				return
			}
			next.Scheme = s
		case "granted":
			switch v {
			case "":
				next.Granted, next.GrantKnown = nil, false
			case "-":
				next.Granted, next.GrantKnown = nil, true
			default:
				next.Granted, next.GrantKnown = strings.Split(v, ","), true
			}
		case "user":
			next.User = nil
			if v != "" {
				next.User = strings.Split(v, ",")
			}
		default:
			return // a comment that happens to hold an equals sign
		}
	}
	*cur = next
}

// readLine reads one line of at most max bytes (without the newline); a
// longer line is consumed and reported with tooLong.
func readLine(r *bufio.Reader, max int) (line string, tooLong bool, err error) {
	var b []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if len(b)+len(chunk) > max {
			tooLong = true
		} else {
			b = append(b, chunk...)
		}
		if err != nil {
			return string(b), tooLong, err
		}
		if !isPrefix {
			return string(b), tooLong, nil
		}
	}
}
