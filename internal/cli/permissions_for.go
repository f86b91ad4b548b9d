package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"graphgate/internal/catalog"
	"graphgate/internal/graphpath"
	"graphgate/internal/routes"
)

type forEntry struct {
	Permission   string   `json:"permission"`
	Least        bool     `json:"least,omitempty"`
	AdminConsent bool     `json:"requiresAdminConsent"`
	AlsoRequires []string `json:"alsoRequiresOneOf,omitempty"`
	// Source is where the entry comes from: "microsoft" (Microsoft's data),
	// "docs" or "retired" (graphgate's supplement), also when the
	// supplement adds a permission to a route of Microsoft's data.
	Source string `json:"source"`
}

type forMethod struct {
	Method  string                `json:"method"`
	Schemes map[string][]forEntry `json:"schemes"`
}

type forResult struct {
	Path       string      `json:"path"`
	Query      string      `json:"query,omitempty"`
	Template   string      `json:"template"`
	Source     string      `json:"source"`
	Note       string      `json:"note,omitempty"`
	MeFallback bool        `json:"meFallback,omitempty"`
	Methods    []forMethod `json:"methods"`

	route *routes.Route
}

// forLine is one line of `permissions for -`: the input line and either the
// answer (the fields of forResult) or the error.
type forLine struct {
	Line  int    `json:"line"`
	Input string `json:"input"`
	*forResult
	Error string `json:"error,omitempty"`
	// ErrorKind is "usage" (a malformed line: method, path) or "not_found"
	// (no rule for the path or method), as the exit codes 2 and 3 of a single
	// `permissions for`.
	ErrorKind string `json:"errorKind,omitempty"`
}

// maxBatchLine bounds one input line of `permissions for -`: a method, a
// space and the longest path the matcher accepts.
const maxBatchLine = graphpath.MaxLen + 16

func permForCmd() *cobra.Command {
	var schemeFlag string
	var jsonOut, stdin bool
	cmd := &cobra.Command{
		Use:   "for [METHOD] PATH | for -",
		Short: "Show the permissions a call accepts, least privileged first",
		Long: `Show which permissions allow a Graph call, per scheme, least privileged first
(Microsoft's least-privilege marks, per method, then privilege level). PATH may
be a template (/users/{id}/messages), a concrete path (/users/a@b.c/messages),
carry /v1.0 or /beta, a query string, or be a full URL. Without METHOD every
method of the path is shown.

When Microsoft marks several permissions least privileged for one method and
Kibali's rule (fewest methods on the path) leaves more than one, all are
marked, and the narrowest is shown first: lower privilege level, then
ReadBasic before Read before ReadWrite, own data before .Shared before .All.

A /me path Microsoft's data lacks uses its /users/{id} twin. Routes that
Microsoft's data lacks come from graphgate's documented supplement (source
"docs") or are retired APIs of the older reference (source "retired"); a
permission the supplement adds to a route of Microsoft's data is marked
"added by graphgate" (its JSON "source" says docs).

For scripts: "permissions for -" (or --stdin) reads one call per line from
standard input — "METHOD PATH", or a bare PATH for every method; blank lines
and lines starting with # are skipped — and writes JSON Lines, one object per
input line in input order: the answer (as --json, plus "line" and "input") or
{"line", "input", "error", "errorKind"}. Every line is answered; the exit status
is 0 when every line was, else 2 if any line was malformed (errorKind "usage"),
else 3 (errorKind "not_found": no rule for the path or method).`,
		Example: `  graphgate permissions for GET /me/messages
  graphgate permissions for POST /me/sendMail --scheme app
  graphgate permissions for /users/{id}/presence
  printf 'GET /me/messages\nPOST /me/sendMail\n/me/events\n' | graphgate permissions for -
  printf 'GET /users\nPOST /users/{id}/sendMail\n' | graphgate permissions for - --scheme app | jq -c '{input, least: [.methods[]?.schemes.Application[]? | select(.least) | .permission]}'`,
		Args: func(cmd *cobra.Command, args []string) error {
			batch := stdin || len(args) == 1 && args[0] == "-"
			switch {
			case batch && len(args) > 0 && !(len(args) == 1 && args[0] == "-"):
				return usageErr("--stdin reads the calls from standard input: give no METHOD or PATH (or just -)")
			case batch:
				return nil
			case len(args) < 1 || len(args) > 2:
				return usageErr("want [METHOD] PATH, or - to read calls from standard input (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			only := catalog.Schemes()
			if schemeFlag != "" {
				s, err := catalog.ParseScheme(schemeFlag)
				if err != nil {
					return usageErr("%v", err)
				}
				only = []catalog.Scheme{s}
			}
			tab := routes.Default()
			if stdin || len(args) == 1 && args[0] == "-" {
				return forBatch(cmd, tab, only)
			}
			method := ""
			if len(args) == 2 {
				method = args[0]
			}
			res, err := answerFor(tab, only, method, args[len(args)-1])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if jsonOut {
				return writeJSON(out, res)
			}
			return printFor(out, res, only)
		},
	}
	cmd.Flags().StringVar(&schemeFlag, "scheme", "", "only this scheme: work, personal or app")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	cmd.Flags().BoolVar(&stdin, "stdin", false, "read METHOD PATH lines from standard input and write JSON Lines (same as PATH -)")
	return cmd
}

// answerFor looks up one call; method "" means every method of the path.
// Its errors are exitErrors: usage (malformed) or not found.
func answerFor(tab *routes.Table, only []catalog.Scheme, method, path string) (forResult, error) {
	var res forResult
	var methods []routes.Method
	if method != "" {
		m, err := routes.ParseMethod(method)
		if err != nil {
			return res, usageErr("%v", err)
		}
		match, err := tab.MatchMethod(m, path)
		if err != nil {
			return res, matchErr(err)
		}
		res.fill(match.Route, match.MeFallback)
		methods = []routes.Method{m}
	} else {
		r, fallback, err := tab.AllRules(path)
		if err != nil {
			return res, matchErr(err)
		}
		res.fill(r, fallback)
		methods = r.Methods()
	}
	for _, m := range methods {
		res.Methods = append(res.Methods, forMethodOf(res.route.Rules[m], only))
	}
	return res, nil
}

// forBatch answers one call per line of standard input, as JSON Lines. Each
// line is answered on its own (an error is that line's answer), in input
// order, and written as soon as it is answered, so a long input streams.
func forBatch(cmd *cobra.Command, tab *routes.Table, only []catalog.Scheme) error {
	ctx := cmd.Context()
	in := bufio.NewReaderSize(cmd.InOrStdin(), 64<<10)
	out := bufio.NewWriter(cmd.OutOrStdout())
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	lines, failed, worst := 0, 0, ExitOK
	for n := 1; ; n++ {
		if ctx != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		text, tooLong, err := readLine(in, maxBatchLine)
		if err == io.EOF && text == "" && !tooLong {
			break
		}
		if err != nil && err != io.EOF {
			return &exitError{ExitFailure, fmt.Errorf("reading standard input: %w", err)}
		}
		line := strings.TrimSpace(text)
		if !tooLong && (line == "" || strings.HasPrefix(line, "#")) {
			if err == io.EOF {
				break
			}
			continue
		}
		lines++
		res := forLine{Line: n, Input: line}
		var answer forResult
		var aerr error
		if tooLong {
			aerr = usageErr("line longer than %d bytes", maxBatchLine)
		} else {
			method, path := splitCall(line)
			answer, aerr = answerFor(tab, only, method, path)
		}
		if aerr != nil {
			failed++
			code := ExitUsage
			var ee *exitError
			if errors.As(aerr, &ee) {
				code = ee.code
				aerr = ee.err
			}
			res.Error = aerr.Error()
			res.ErrorKind = "usage"
			if code == ExitNotFound {
				res.ErrorKind = "not_found"
			}
			if worst != ExitUsage {
				worst = code
			}
		} else {
			res.forResult = &answer
		}
		if werr := enc.Encode(res); werr != nil {
			return &exitError{ExitFailure, werr}
		}
		if err == io.EOF {
			break
		}
	}
	if err := out.Flush(); err != nil {
		return &exitError{ExitFailure, err}
	}
	if failed > 0 {
		return &exitError{worst, fmt.Errorf("%d of %d lines failed; their output lines have an \"error\" field", failed, lines)}
	}
	return nil
}

// splitCall reads "METHOD PATH" or a bare "PATH" (every method). A first
// word that is not a path (does not start with '/' and is not a URL) is the
// method, so a misspelt method is reported as one.
func splitCall(line string) (method, path string) {
	first, rest, found := strings.Cut(line, " ")
	if !found || strings.HasPrefix(first, "/") || strings.Contains(first, "://") {
		return "", line
	}
	return first, strings.TrimSpace(rest)
}

// readLine reads one line of at most max bytes (without the newline). A
// longer line is consumed and reported with tooLong, so one bad line does
// not stop the batch.
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

func (r *forResult) fill(route *routes.Route, fallback bool) {
	r.route = route
	r.Path, r.Query, r.Template, r.Source, r.Note, r.MeFallback = route.Path, route.Query, route.Template, route.Source, route.Note, fallback
}

func printFor(out io.Writer, res forResult, schemes []catalog.Scheme) error {
	fmt.Fprintf(out, "%s", res.Template)
	if res.Source != routes.SourceMicrosoft {
		fmt.Fprintf(out, "  [%s: %s]", res.Source, res.Note)
	}
	fmt.Fprintln(out)
	if res.MeFallback {
		fmt.Fprintln(out, "(Microsoft's data has no /me rule for this path; its /users/{id} twin applies.)")
	}
	for _, m := range res.Methods {
		fmt.Fprintf(out, "\n%s\n", m.Method)
		tw := table(out)
		for _, s := range schemes {
			entries := m.Schemes[s.String()]
			if len(entries) == 0 {
				fmt.Fprintf(tw, "  %s\tnot supported\n", s)
				continue
			}
			for i, e := range entries {
				label := ""
				if i == 0 {
					label = s.String()
				}
				marks := []string{}
				if e.Least {
					marks = append(marks, "least privileged")
				}
				if e.AdminConsent && s != catalog.Application {
					marks = append(marks, "admin consent")
				}
				if len(e.AlsoRequires) > 0 {
					marks = append(marks, "also needs one of "+strings.Join(e.AlsoRequires, ", "))
				}
				if e.Source != res.Source {
					// The supplement added it to a route of Microsoft's data.
					marks = append(marks, "added by graphgate ("+e.Source+")")
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", label, e.Permission, strings.Join(marks, "; "))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func matchErr(err error) error {
	switch {
	case errors.Is(err, routes.ErrNoRoute), errors.Is(err, routes.ErrNoMethod):
		return notFound(err)
	}
	return usageErr("%v", err)
}

func permRoutesCmd() *cobra.Command {
	var schemeFlag, grep, source string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "routes",
		Short: "Print the whole route table: every method+path and what it accepts",
		Long: `Print every route of the table graphgate enforces: Microsoft's data plus
graphgate's supplement.

Without --json: one line per method and route — method, Microsoft's spelling
of the path, source (microsoft, docs or retired) and per scheme the least
privileged permissions (those Microsoft marks, else the first accepted one;
W = delegated work or school, P = delegated personal, A = application, "-"
when the scheme cannot make the call).

With --json: JSON Lines, one route per line, in path order, each with the
fields of "permissions for --json" (path, query, template, source, note,
methods with every accepted permission per scheme, least privileged first,
and each permission's source). It is written as it is produced, so it can be
piped into jq -c or grep without waiting for the whole table.`,
		Example: `  graphgate permissions routes --grep /me/messages
  graphgate permissions routes --source docs
  graphgate permissions routes --json | jq -c 'select(.methods[].schemes.DelegatedPersonal) | .template'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			only := catalog.Schemes()
			if schemeFlag != "" {
				s, err := catalog.ParseScheme(schemeFlag)
				if err != nil {
					return usageErr("%v", err)
				}
				only = []catalog.Scheme{s}
			}
			switch source {
			case "", routes.SourceMicrosoft, routes.SourceDocs, routes.SourceRetired:
			default:
				return usageErr("--source takes microsoft, docs or retired, not %q", source)
			}
			grep = strings.ToLower(grep)
			out := bufio.NewWriter(cmd.OutOrStdout())
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			tw := table(out)
			if !jsonOut {
				fmt.Fprintf(tw, "METHOD\tPATH\tSOURCE\tLEAST PRIVILEGED\n")
			}
			// Path order (the supplement's routes come last in Routes()).
			all := append([]*routes.Route(nil), routes.Default().Routes()...)
			sort.Slice(all, func(i, j int) bool {
				if all[i].Path != all[j].Path {
					return all[i].Path < all[j].Path
				}
				return all[i].Query < all[j].Query
			})
			n := 0
			for _, r := range all {
				if source != "" && r.Source != source {
					continue
				}
				if grep != "" && !strings.Contains(strings.ToLower(r.Template), grep) && !strings.Contains(r.Path, grep) {
					continue
				}
				n++
				if jsonOut {
					var res forResult
					res.fill(r, false)
					for _, m := range r.Methods() {
						res.Methods = append(res.Methods, forMethodOf(r.Rules[m], only))
					}
					if err := enc.Encode(res); err != nil {
						return &exitError{ExitFailure, err}
					}
					continue
				}
				tpl := r.Template
				if r.Query != "" {
					tpl += "?" + r.Query
				}
				for _, m := range r.Methods() {
					var least []string
					for _, s := range only {
						names := []string{}
						for _, e := range r.Rules[m].Accepted[s] {
							if e.Least {
								names = append(names, e.Perm.Name)
							}
						}
						if len(names) == 0 && len(r.Rules[m].Accepted[s]) > 0 {
							names = append(names, r.Rules[m].Accepted[s][0].Perm.Name)
						}
						if len(names) == 0 {
							names = append(names, "-")
						}
						least = append(least, schemeLetter(s)+":"+strings.Join(names, ","))
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m, tpl, r.Source, strings.Join(least, " "))
				}
			}
			if !jsonOut {
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			if err := out.Flush(); err != nil {
				return &exitError{ExitFailure, err}
			}
			if !jsonOut {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d routes\n", n)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&schemeFlag, "scheme", "", "only this scheme: work, personal or app")
	f.StringVar(&grep, "grep", "", "only routes whose path contains this text")
	f.StringVar(&source, "source", "", "only routes from microsoft, docs or retired")
	f.BoolVar(&jsonOut, "json", false, "print JSON Lines, one route per line")
	return cmd
}

// forMethodOf renders one rule for the chosen schemes.
func forMethodOf(rule *routes.Rule, only []catalog.Scheme) forMethod {
	fm := forMethod{Method: rule.Method.String(), Schemes: map[string][]forEntry{}}
	for _, s := range only {
		for _, e := range rule.Accepted[s] {
			fe := forEntry{Permission: e.Perm.Name, Least: e.Least, AdminConsent: e.Perm.RequiresAdminConsent(s), Source: e.Source}
			for _, a := range e.AlsoRequires {
				fe.AlsoRequires = append(fe.AlsoRequires, a.Name)
			}
			fm.Schemes[s.String()] = append(fm.Schemes[s.String()], fe)
		}
	}
	return fm
}

// schemeLetter is W, P or A.
func schemeLetter(s catalog.Scheme) string {
	return schemeLetters([]string{s.String()})[s : s+1]
}
