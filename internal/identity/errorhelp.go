package identity

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// What each AADSTS error means in graphgate, and how to fix it with
// graphgate's own commands: shown on the /error?code= page (every error's
// error_uri) and on the error pages of the sign-in flow. Where an error
// knows the app, redirect URI or tenant involved, the commands name them;
// elsewhere they keep a placeholder in capitals (APP, URI, UPN, TENANT).

// fixStep is one step of a fix: a sentence and, if any, a command.
type fixStep struct{ Text, Command string }

type errorHelp struct {
	What string
	Fix  []fixStep
}

// helpArgs fill the placeholders of a help text.
type helpArgs map[string]string

var placeholderRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{(app|uri|tenant|upn|api)\}`) })

func (a helpArgs) fill(s string) string {
	return placeholderRE().ReplaceAllStringFunc(s, func(m string) string {
		k := m[1 : len(m)-1]
		if v := a[k]; v != "" {
			if strings.ContainsAny(v, " \"'") {
				return strconv.Quote(v)
			}
			return v
		}
		return strings.ToUpper(k)
	})
}

func step(text, command string) fixStep { return fixStep{text, command} }

const signInAgain = "Sign in again from the app; a refresh token or code cannot be reused."

var errorHelps = map[int]errorHelp{
	50000: {"graphgate could not issue the token (signing failed).", []fixStep{
		step("Look for the trace id of the response in the server's log ('graphgate serve' prints errors), and retry.", "")}},
	90033: {"graphgate's store did not answer (a transient failure); the request changed nothing.", []fixStep{
		step("Retry. If it persists, check that the store is reachable: the server's log names the failure with the response's trace id.", "")}},
	50011: {"The app asked to come back to a redirect URI that is not registered for it.", []fixStep{
		step("See the redirect URIs the app has:", "graphgate app show {app}"),
		step("Register this one (http://localhost and 127.0.0.1 addresses match on any port):", "graphgate app add-redirect {app} {uri}")}},
	500113: {"The app has no redirect URI at all.", []fixStep{
		step("Register one:", "graphgate app add-redirect {app} {uri}")}},
	900971: {"The request has no redirect_uri and the app has several.", []fixStep{
		step("Send redirect_uri with one of the app's addresses:", "graphgate app show {app}")}},
	700016: {"No app with this client id exists in graphgate, or it is not usable in this tenant.", []fixStep{
		step("List the apps (their client ids) of the tenant:", "graphgate app list --tenant {tenant}"),
		step("Or register one:", `graphgate app create --name "My App"`),
		step("An app of another tenant must be multi-tenant (--audience multiorg) and consented by an administrator of this tenant.", "")}},
	90002: {"The tenant in the URL (a GUID or a verified domain) does not exist in graphgate.", []fixStep{
		step("List the tenants and their domains:", "graphgate tenant list")}},
	50059: {"The request names no tenant (common or organizations) where one is required, as for client credentials.", []fixStep{
		step("Use the tenant's id or domain in the authority: https://HOST/{tenant}/. List them with:", "graphgate tenant list")}},
	50034: {"No user has this user principal name.", []fixStep{
		step("List the users:", "graphgate user list --tenant {tenant}"),
		step("The demo tenant's users and passwords:", "graphgate demo")}},
	50126: {"The user name or the password is wrong.", []fixStep{
		step("The demo tenant's passwords are printed by:", "graphgate demo"),
		step("Or set a new password:", "graphgate user set-password {upn}")}},
	50053: {"The account is locked by smart lockout after too many wrong passwords.", []fixStep{
		step("Wait: the first lockout lasts a minute (serve --lockout-duration), each further one twice as long; the right password then works.", ""),
		step("For tests that try many wrong passwords, run the server without lockout:", "graphgate serve --lockout-threshold 0")}},
	50057: {"The user account is disabled.", []fixStep{
		step("Enable it:", "graphgate user enable {upn}")}},
	50020: {"The user is not a member of the tenant named in the URL (or the app does not admit this kind of account).", []fixStep{
		step("Sign in through the user's own tenant, or through common or organizations for a multi-tenant app. See the user's tenant with:", "graphgate user list --tenant {tenant}")}},
	65001: {"The user (or an administrator) has not consented to the app's permissions, and the flow cannot ask.", []fixStep{
		step("Sign in once interactively and accept, or grant the consent:", `graphgate consent grant --app {app} --user {upn} --scopes "User.Read"`)}},
	90094: {"A permission needs an administrator's consent.", []fixStep{
		step("Grant it for every user of the tenant:", `graphgate consent grant --app {app} --all-users --scopes "User.Read.All"`),
		step("Or sign in as an administrator (graphgate demo lists one) and consent on behalf of the organization.", "")}},
	65004: {"The user declined the consent.", []fixStep{
		step("Start again from the app and accept.", "")}},
	70011: {"A scope does not exist, or is not valid here.", []fixStep{
		step("Check the permission's name and kind:", "graphgate permissions show User.Read"),
		step("Find the least privileged permission for a call:", "graphgate permissions for GET /me")}},
	1002012: {"Client credentials take RESOURCE/.default, not permission names.", []fixStep{
		step("Ask for https://graph.microsoft.com/.default; the token carries the application permissions granted:", `graphgate consent grant-roles --app {app} --roles "User.Read.All"`)}},
	500011: {"The API (api://…) has no service principal in the tenant: it is single-tenant and registered elsewhere, or multi-tenant and never consented there.", []fixStep{
		step("Register the API as multi-tenant:", `graphgate app create --name "My API" --audience multiorg`),
		step("Then have an administrator of the tenant consent to it (creating its service principal there), e.g.:", `graphgate consent grant --app {api} --all-users --tenant {tenant} --scopes "User.Read"`)}},
	7000215: {"The client secret is wrong (it may be the secret's id rather than its value).", []fixStep{
		step("Create a new secret (shown once):", "graphgate app add-secret {app}")}},
	7000222: {"The client secret has expired.", []fixStep{
		step("Create a new secret:", "graphgate app add-secret {app} --expires 2y")}},
	7000218: {"A confidential app must authenticate with a secret or a certificate.", []fixStep{
		step("Send client_secret (create one with the command below) or a client assertion, or register a public client (--public) for apps that cannot keep a secret:", "graphgate app add-secret {app}")}},
	700025: {"A public client sent a secret or an assertion.", []fixStep{
		step("Send neither, or register a confidential app:", `graphgate app create --name "My App"`)}},
	700021: {"The client assertion's iss or sub is not the app's client id.", []fixStep{
		step("Build the assertion with iss and sub both set to the client id you send as client_id (MSAL and azidentity do), for app:", "graphgate app show {app}")}},
	700023: {"The client assertion's aud is not this token endpoint.", []fixStep{
		step("Set aud to the token endpoint the assertion is posted to, https://HOST/TENANT/oauth2/v2.0/token (MSAL does when its authority is https://HOST/TENANT/).", "")}},
	700024: {"The client assertion has expired or is not valid yet.", []fixStep{
		step("Build a fresh assertion for each request, with exp a few minutes ahead and nbf not in the future; check that this machine's clock is right.", "")}},
	700027: {"The client assertion is not signed by a certificate of the app, or is malformed or replayed.", []fixStep{
		step("Register the certificate whose key signs the assertions:", "graphgate app add-cert {app} --cert cert.pem")}},
	50013: {"The on-behalf-of assertion is not a valid user token for this API.", []fixStep{
		step("Pass the access token the user's client obtained for the API (aud api://API), unexpired.", "")}},
	50194: {"A single-tenant app used common or organizations.", []fixStep{
		step("Use the app's tenant in the authority (https://HOST/{tenant}/), or register a multi-tenant app:", `graphgate app create --name "My App" --audience multiorg`)}},
	9002331: {"The app is for personal Microsoft accounts only.", []fixStep{
		step("Use the consumers authority: https://HOST/consumers/.", "")}},
	70002: {"The app does not admit personal Microsoft accounts.", []fixStep{
		step("Sign in with a work account, or register an app for both:", `graphgate app create --name "My App" --audience multiorg-personal`)}},
	54005:  {"The authorization code was used already; its tokens were revoked.", []fixStep{step(signInAgain, "")}},
	70008:  {"The code or refresh token has expired.", []fixStep{step(signInAgain, "")}},
	700082: {"The refresh token has expired (unused for longer than its lifetime).", []fixStep{step(signInAgain, "")}},
	50173:  {"The grant was revoked (reused refresh token, replayed code, deleted or disabled user).", []fixStep{step(signInAgain, "")}},
	70000: {"The redirect_uri of the token request differs from the authorization request's.", []fixStep{
		step("Send the same redirect_uri in both.", "")}},
	9002325: {"A public client must use PKCE.", []fixStep{
		step("Send code_challenge (S256) when authorizing and code_verifier when redeeming; MSAL does this.", "")}},
	501481: {"The code_verifier does not match the code_challenge.", []fixStep{
		step("Send the verifier whose SHA-256 (base64url) was the challenge.", "")}},
	50148: {"The PKCE method is not accepted.", []fixStep{
		step("Use code_challenge_method=S256.", "")}},
	50058: {"prompt=none was asked but no one is signed in, or consent is missing.", []fixStep{
		step("Sign in interactively (without prompt=none).", "")}},
	16000: {"prompt=none was asked, several accounts are signed in to the browser and the request named none.", []fixStep{
		step("Send login_hint with the account's user principal name (MSAL: the account's username), or sign in interactively to pick one.", "")}},
	70016: {"The device code is not approved yet (authorization_pending), or the client polls faster than the interval (slow_down).", []fixStep{
		step("Keep polling at the interval given; the user enters the code at /devicelogin.", "")}},
	70019: {"The device code expired before the user entered it.", []fixStep{
		step("Request a new device code.", "")}},
	70020: {"The user declined the device sign-in.", []fixStep{
		step("Request a new device code.", "")}},
	700054: {"graphgate's authorize endpoint issues codes only.", []fixStep{
		step("Use response_type=code.", "")}},
	70003: {"The grant_type is not one graphgate serves.", []fixStep{
		step("Use authorization_code, refresh_token, client_credentials, password, device_code or on-behalf-of (urn:ietf:params:oauth:grant-type:jwt-bearer).", "")}},
	900144: {"A required parameter is missing.", []fixStep{
		step("Send the parameter the message names.", "")}},
	9002313: {"The request is malformed, or a code, token or sign-in form is not valid here.", []fixStep{
		step("The message says what; for a sign-in form, start again from the app in the same browser.", "")}},
}

// help returns the help for e, its placeholders filled from args.
func help(code int, args helpArgs) (errorHelp, bool) {
	h, ok := errorHelps[code]
	if !ok {
		return errorHelp{}, false
	}
	out := errorHelp{What: args.fill(h.What)}
	for _, f := range h.Fix {
		out.Fix = append(out.Fix, fixStep{Text: args.fill(f.Text), Command: args.fill(f.Command)})
	}
	return out, true
}

// FixCommands returns every graphgate command line the error pages
// suggest, placeholders in capitals, sorted: the CLI's tests check that
// each names a real command.
func FixCommands() []string {
	var out []string
	for _, h := range errorHelps {
		for _, f := range h.Fix {
			if f.Command != "" {
				out = append(out, helpArgs{}.fill(f.Command))
			}
		}
	}
	sort.Strings(out)
	return out
}
