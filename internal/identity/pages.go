package identity

import (
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// The pages are deliberately plain server-rendered HTML (the web issue makes
// them good): every field has a label and a stable id so browser tests and
// people can drive them.

// pages is parsed on first use: every graphgate command links this package,
// and only the server renders a page (cmd/graphgate TestCLIInitIsLazy).
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("pages").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – graphgate</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f3f2f1;margin:0}
main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 1rem} label{display:block;margin:.75rem 0 .25rem}
input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1.25rem;padding:.5rem 1.5rem;font-size:1rem;background:#0067b8;color:#fff;border:0;cursor:pointer}
button.secondary{background:#ccc;color:#000} .error{color:#a80000} .muted{color:#605e5c;font-size:.9rem}
button.account{display:block;width:100%;text-align:left;background:#fff;color:#000;border:1px solid #8a8886;margin:.25rem 0}
.accounts{list-style:none;padding:0} #account{margin:0 0 .5rem} .unverified{color:#8a4b00}
ul,ol{padding-left:1.25rem} li{margin:.3rem 0} code{font-size:.95em;overflow-wrap:anywhere}
h2{font-size:1.1rem;font-weight:600;margin:1.25rem 0 .5rem}
a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #000;outline-offset:2px}
</style></head><body><main>{{end}}
{{define "foot"}}<p class="muted">graphgate — a Microsoft 365 tenant on your machine</p></main></body></html>{{end}}

{{define "signin"}}{{template "head" .}}
{{if .Account}}<form method="post" action="/login">
<input type="hidden" name="flow" value="{{.Flow}}">
<input type="hidden" name="username" value="{{.Account}}">
<p id="account">{{.Account}}</p>
<h1>Enter password</h1>
<p class="muted">to continue to <strong>{{.AppName}}</strong></p>
{{if .Error}}<p class="error" id="error" role="alert">{{.Error}}</p>{{end}}
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required autofocus>
<button type="submit" id="signin">Sign in</button>
<button type="submit" id="other-account" name="action" value="back" class="secondary" formnovalidate>Use another account</button>
</form>
{{else}}<h1>Sign in</h1>
<p>to continue to <strong>{{.AppName}}</strong></p>
{{if .Error}}<p class="error" id="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="flow" value="{{.Flow}}">
<label for="username">Email or user principal name</label>
<input type="email" id="username" name="username" value="{{.LoginHint}}" autocomplete="username" required autofocus>
<button type="submit" id="next">Next</button>
</form>
<p class="muted">No account? An administrator creates one with <code>graphgate user create</code>; <code>graphgate demo</code> lists the demo tenant's.</p>{{end}}
{{template "foot" .}}{{end}}

{{define "picker"}}{{template "head" .}}
<h1>Pick an account</h1>
<p>to continue to <strong>{{.AppName}}</strong></p>
<form method="post" action="/login">
<input type="hidden" name="flow" value="{{.Flow}}">
<ul class="accounts" id="accounts">{{range $i, $a := .Accounts}}<li><button type="submit" name="account" value="{{$a.Key}}" id="account-{{$i}}" class="account">{{$a.Name}}<br><span class="muted">{{if $a.Ended}}Signed out: enter the password again{{else}}Signed in{{end}}</span></button></li>
{{end}}
<li><button type="submit" name="action" value="back" id="other-account" class="secondary account" formnovalidate>Use another account</button></li></ul>
</form>
{{template "foot" .}}{{end}}

{{define "consent"}}{{template "head" .}}
<p class="muted" id="signed-in-user">Signed in as {{.User}}</p>
<h1>Permissions requested</h1>
<p id="publisher"><strong>{{.AppName}}</strong> · published by {{if .Publisher}}{{.Publisher}}{{else}}an unknown organization{{end}} · <span class="unverified">unverified</span></p>
<p><strong id="app-name">{{.AppName}}</strong> wants to:</p>
<ul id="permissions">{{range .Perms}}<li><strong>{{.Display}}</strong> <code>{{.Name}}</code><br><span class="muted">{{.Description}}</span></li>{{end}}</ul>
<form method="post" action="/consent">
<input type="hidden" name="flow" value="{{.Flow}}">
{{if .CanConsentForOrg}}<label><input type="checkbox" name="org" id="org" value="1" aria-describedby="org-help"> Consent on behalf of your organization</label>
<p class="muted" id="org-help">If you select this, everyone in {{.TenantName}} may use these permissions with this app and will not be asked to consent. You can revoke it in the admin console (Enterprise applications) or with <code>graphgate consent revoke</code>.</p>{{end}}
<p class="muted">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement. graphgate marks the app unverified: it has no verified publisher.</p>
<button type="submit" name="decision" value="accept" id="accept">Accept</button>
<button type="submit" name="decision" value="decline" id="decline" class="secondary">Cancel</button>
</form>
{{template "foot" .}}{{end}}

{{define "message"}}{{template "head" .}}
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error" id="error" role="alert">{{.Error}}</p>{{end}}
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if .Fix}}<h2>How to fix it</h2>
<ol id="fix">{{range .Fix}}<li>{{.Text}}{{if .Command}}<br><code>{{.Command}}</code>{{end}}</li>{{end}}</ol>{{end}}
{{if .Perms}}<ul id="permissions">{{range .Perms}}<li><code>{{.Name}}</code> {{.Display}}</li>{{end}}</ul>{{end}}
{{if .Request}}<h2>Have an admin account?</h2>
<p>An administrator grants these permissions for everyone by opening <a id="request-approval" href="{{.Request}}">the app's admin consent link</a>, in the admin console (App registrations → API permissions → Grant admin consent), or with <code>{{.RequestCommand}}</code>.</p>{{end}}
{{if .Link}}<p><a id="continue" href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
{{template "foot" .}}{{end}}

{{define "formpost"}}<!doctype html>
<html><head><title>Working...</title></head><body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" {{.Value}}>{{end}}
<noscript><button type="submit">Continue</button></noscript></form></body></html>{{end}}

{{define "devicelogin"}}{{template "head" .}}
<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
{{if .Error}}<p class="error" id="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/devicelogin">
<label for="otc">Code</label>
<input type="text" id="otc" name="otc" value="{{.Code}}" autocomplete="off" required autofocus>
<button type="submit" id="next">Next</button>
</form>
{{template "foot" .}}{{end}}
`))
})

// pagePerm is one permission on a consent page.
type pagePerm struct{ Name, Display, Description string }

type pageData struct {
	Title, AppName, Error, Message, Flow, LoginHint, User, Link, LinkText, Code string
	Perms                                                                       []pagePerm
	CanConsentForOrg                                                            bool
	// Account is the user name of the sign-in's second step (the password).
	Account string
	// Accounts are the account picker's signed-in accounts.
	Accounts []pickerAccount
	// Publisher names the app's home organisation on the consent page;
	// TenantName the signed-in user's, for the organisation-wide choice.
	Publisher, TenantName string
	// Request is the admin consent URL "Need admin approval" offers, with
	// the command that does the same.
	Request, RequestCommand string
	// Fix is how to fix an error, with graphgate's commands.
	Fix []fixStep
}

// formField is one hidden field of a form_post page. Value is the whole
// value="…" attribute (see valueAttr).
type formField struct {
	Name  string
	Value template.HTMLAttr
}

// valueAttr renders value="v" with line breaks as character references:
// HTML parsing turns a literal CR LF in an attribute into LF, which would
// change error_description's "\r\n" separators on the way to the app.
func valueAttr(v string) template.HTMLAttr {
	esc := strings.NewReplacer("\r", "&#13;", "\n", "&#10;").Replace(html.EscapeString(v))
	return template.HTMLAttr(`value="` + esc + `"`)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action *; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := pages().ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("rendering page", "page", name, "err", err)
	}
}

// errorPage shows a browser-facing error that must not go to a redirect
// URI (unknown app, unregistered redirect URI).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, e *Error) {
	status, level := http.StatusBadRequest, slog.LevelInfo
	if e.ServerSide() {
		status, level = e.Status, slog.LevelError
	}
	s.log.Log(r.Context(), level, "identity error page", "aadsts", e.AADSTS, "error", e.Code, "cause", e.cause)
	d := pageData{Title: "Sorry, but we're having trouble signing you in.", Error: e.Message()}
	if h, ok := help(e.AADSTS, e.args); ok {
		d.Message, d.Fix = h.What, h.Fix
	}
	s.render(w, status, "message", d)
}

func (s *Server) handleNativeClient(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "message", pageData{Title: "Signed in",
		Message: "Copy the full address of this page (it holds the authorization code) back into the application."})
}

// handleErrorPage is the error_uri of every error: what the code means in
// graphgate and how to fix it with graphgate's commands.
func (s *Server) handleErrorPage(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.URL.Query().Get("code"))
	h, ok := help(code, nil)
	if err != nil || !ok {
		s.render(w, http.StatusOK, "message", pageData{Title: "Error",
			Message: "graphgate returns Microsoft's AADSTS error codes; the error_description of the response explains this one."})
		return
	}
	s.render(w, http.StatusOK, "message", pageData{Title: "Error AADSTS" + strconv.Itoa(code), Message: h.What, Fix: h.Fix})
}
