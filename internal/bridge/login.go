package bridge

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"graphgate/internal/bridge/auth"
	"graphgate/internal/planner"
)

// Sign-in flows.
const (
	FlowDeviceCode = "device-code"
	FlowAuthCode   = "auth-code"
)

// LoginResult is a finished sign-in and the planner's verdict on what was
// granted.
type LoginResult struct {
	User      string
	TokenFile string
	Granted   []string
	Report    *planner.Report
}

// Login signs the named account in and stores its tokens in its token file.
// The device code flow prints the code and the address to open; the auth
// code flow prints the address to open and reads, from in, the address the
// browser ended on. The scopes are the planner's for the account's
// configuration.
func Login(ctx context.Context, cfg *Config, name, flow string, in io.Reader, out io.Writer, log *slog.Logger) (*LoginResult, error) {
	a, ok := cfg.Account(name)
	if !ok {
		var names []string
		for _, x := range cfg.Accounts {
			names = append(names, x.Name)
		}
		return nil, fmt.Errorf("no account %q in %s (accounts: %s)", name, cfg.File, strings.Join(names, ", "))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	plan, err := planner.MakePlan(a.PlannerConfig(""))
	if err != nil {
		return nil, err
	}
	sess, err := cfg.Session(a, log)
	if err != nil {
		return nil, err
	}
	scopes := plan.MSALScopes
	fmt.Fprintf(out, "Signing in account %q at %s/%s for: %s\n", a.Name, a.Authority, a.Tenant, strings.Join(plan.Scopes, " "))
	if len(plan.AdminConsent) > 0 {
		fmt.Fprintf(out, "Note: an administrator must consent to %s first.\n", strings.Join(plan.AdminConsent, ", "))
	}
	var tok auth.Token
	switch flow {
	case "", FlowDeviceCode, "device":
		tok, err = sess.SignInDeviceCode(ctx, scopes, func(p auth.DevicePrompt) error {
			msg := p.Message
			if msg == "" {
				msg = fmt.Sprintf("To sign in, open %s and enter the code %s.", p.VerificationURL, p.UserCode)
			}
			fmt.Fprintf(out, "\n%s\n\nCode: %s\nURL:  %s\n\nWaiting for the sign-in to finish…\n", msg, p.UserCode, p.VerificationURL)
			return nil
		})
	case FlowAuthCode, "auth_code", "code":
		var p *auth.PendingAuth
		p, err = sess.BeginAuthCode(ctx, scopes)
		if err != nil {
			break
		}
		fmt.Fprintf(out, "\n1. Open this address in a browser and sign in:\n\n%s\n\n2. The browser ends on %s (the page may be blank or show an error: that is expected).\n3. Copy the whole address from the address bar and paste it here, then press Enter:\n", p.URL, p.RedirectURI)
		line, rerr := bufio.NewReader(in).ReadString('\n')
		if rerr != nil && (rerr != io.EOF || strings.TrimSpace(line) == "") {
			return nil, fmt.Errorf("reading the pasted address: %w", rerr)
		}
		tok, err = sess.FinishAuthCode(ctx, p, line)
	default:
		return nil, fmt.Errorf("unknown flow %q (want %s or %s)", flow, FlowDeviceCode, FlowAuthCode)
	}
	if err != nil {
		var ae *auth.Error
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("%w\n%s", err, ae.Remedy(fmt.Sprintf("graphgate bridge login --config %s --account %s", cfg.File, a.Name)))
		}
		return nil, err
	}
	rep, err := planner.Check(a.PlannerConfig(tok.Username), planner.Token{Granted: strings.Join(tok.Granted, " "),
		Requested: strings.Join(plan.Scopes, " "), Filename: planner.TokenFilename(a.Name)})
	if err != nil {
		return nil, err
	}
	res := &LoginResult{User: tok.Username, TokenFile: sess.CachePath(), Granted: tok.Granted, Report: rep}
	fmt.Fprintf(out, "\nSigned in as %s. Tokens saved to %s (mode 0600).\nGranted: %s\n", tok.Username, res.TokenFile, strings.Join(tok.Granted, " "))
	for _, f := range rep.Features {
		fmt.Fprintf(out, "  %-12s %-9s %s\n", f.Feature, f.Status, f.Explanation)
	}
	for _, m := range rep.LegacyMessages {
		fmt.Fprintln(out, m)
	}
	if rep.CurrentMessage != "" {
		fmt.Fprintln(out, rep.CurrentMessage)
	}
	if rep.Remedy != "" {
		fmt.Fprintln(out, "Remedy:", rep.Remedy)
	}
	return res, nil
}
