package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"graphgate/internal/bridge/auth"
	"graphgate/internal/bridge/graphclient"
	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// account runs one configured account: its token, the planner's verdict on
// the granted scopes, its sensors and its services.
//
// The token is asked for before every Graph call (MSAL answers from the
// cache until the token is about to expire, then refreshes). After a
// refresh, or when the granted scopes change (another process signed the
// account in again), planner.Check runs again and the features, their
// availability and the exposed services follow its report. When the token
// cannot be had (not signed in, refresh token expired or revoked, wrong
// secret) the account reports why and what to do, marks its entities
// unavailable, and retries with a doubling back-off re-reading the token
// file: signing in with `graphgate bridge login` while the daemon runs
// brings it back without a restart.
type account struct {
	b     *Bridge
	cfg   *Account
	log   *slog.Logger
	sess  *auth.Session
	gc    *graphclient.Client
	t     topics
	login string

	sensors    []*sensor
	permSensor *sensor

	mu          sync.Mutex
	scopes      []string // what the silent token requests
	planScopes  []string
	granted     string // sorted, space-separated
	report      *planner.Report
	upn         string
	displayName string
	personal    bool
	authErr     *auth.Error
	consentErr  *auth.Error // the plan's scopes were refused; running on the granted ones
	authFails   int
	authRetryAt time.Time
	started     bool
	lastLogged  string
	sensorErrs  map[string]string
	// denied are the calls Graph refused (401, 403) at each sensor's last
	// poll, by sensor key: the Permissions entity links them to the
	// feature's missing permissions.
	denied      map[string]deniedCall
	lastRefresh time.Time
}

// deniedCall is a call Graph refused, with the request ids of its latest
// refusals (at most maxDeniedIDs, newest last).
type deniedCall struct {
	feature    planner.Feature
	err        graphclient.Error
	requestIDs []string
}

const maxDeniedIDs = 3

// noteDenied records (or, with a nil error or one that is not a refusal,
// forgets) the refused call behind a sensor's failed poll.
func (a *account) noteDenied(key string, f planner.Feature, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var ge *graphclient.Error
	if err == nil || !errors.As(err, &ge) || ge.Status != http.StatusForbidden && ge.Status != http.StatusUnauthorized {
		delete(a.denied, key)
		return
	}
	d := a.denied[key]
	if d.err.Method != ge.Method || d.err.Path != ge.Path {
		d = deniedCall{feature: f}
	}
	d.err = *ge
	if ge.RequestID != "" {
		d.requestIDs = append(d.requestIDs, ge.RequestID)
		if len(d.requestIDs) > maxDeniedIDs {
			d.requestIDs = d.requestIDs[len(d.requestIDs)-maxDeniedIDs:]
		}
	}
	a.denied[key] = d
}

func newAccount(b *Bridge, cfg *Account) (*account, error) {
	log := b.log.With("account", cfg.Name)
	sess, err := b.cfg.Session(cfg, log)
	if err != nil {
		return nil, err
	}
	plan, err := planner.MakePlan(cfg.PlannerConfig(""))
	if err != nil {
		return nil, err
	}
	a := &account{b: b, cfg: cfg, log: log, sess: sess,
		t:          newTopics(b.cfg.MQTT.BaseTopic, b.cfg.MQTT.DiscoveryPrefix, cfg.Name),
		login:      fmt.Sprintf("graphgate bridge login --config %s --account %s", b.cfg.File, cfg.Name),
		planScopes: plan.MSALScopes, scopes: plan.MSALScopes, sensorErrs: map[string]string{}, denied: map[string]deniedCall{}}
	hc, err := cfg.HTTPClient()
	if err != nil {
		return nil, err
	}
	a.gc = graphclient.New(graphclient.Options{BaseURL: cfg.GraphURL, HTTPClient: hc, Logger: log,
		RetryWaitMin: b.opts.GraphRetryMin, UserAgent: "graphgate-bridge/" + b.opts.Version,
		Token: func(ctx context.Context) (string, error) {
			t, err := a.token(ctx)
			return t.AccessToken, err
		}})
	a.sensors = a.buildSensors()
	a.permSensor = newSensor(planner.FeatureAccount, permissionsObject, time.Hour, nil)
	return a, nil
}

// mailbox is the path prefix of the account's mailbox: /me, or
// /users/{shared} with a shared mailbox.
func (a *account) mailbox() string {
	if a.cfg.SharedMailbox != "" {
		return "/users/" + url.PathEscape(a.cfg.SharedMailbox)
	}
	return "/me"
}

var reservedScopes = map[string]bool{"openid": true, "profile": true, "offline_access": true, "email": true}

func msalScopes(granted []string) []string {
	var out []string
	for _, s := range granted {
		if !reservedScopes[strings.ToLower(s)] {
			out = append(out, s)
		}
	}
	return out
}

// token returns a token, applying the planner after a refresh and handling
// failures (see the type comment).
func (a *account) token(ctx context.Context) (auth.Token, error) {
	a.mu.Lock()
	if a.authErr != nil && time.Now().Before(a.authRetryAt) {
		e := a.authErr
		a.mu.Unlock()
		return auth.Token{}, e
	}
	scopes := a.scopes
	a.mu.Unlock()

	tok, err := a.sess.Token(ctx, scopes)
	var ae *auth.Error
	if err != nil && errors.As(err, &ae) && ae.Kind == auth.Consent {
		// The configuration asks for scopes that are not consented (it
		// changed since the sign-in, or consent was revoked): go on with
		// what is granted, and let the planner say what is missing.
		tok2, err2 := a.sess.Token(ctx, []string{"User.Read"})
		if err2 == nil {
			a.mu.Lock()
			first := a.consentErr == nil
			a.consentErr = ae
			a.scopes = msalScopes(tok2.Granted)
			a.mu.Unlock()
			if first {
				a.log.Warn("the configured features need scopes that are not consented; running with the granted ones (the planner says which features are read-only or off)",
					"error", ae.Error(), "remedy", ae.Remedy(a.login))
			}
			tok, err = tok2, nil
			tok.Refreshed = true
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return auth.Token{}, ctx.Err()
		}
		if !errors.As(err, &ae) {
			ae = &auth.Error{Kind: auth.Transient, Message: err.Error()}
		}
		a.authFailed(ae)
		return auth.Token{}, ae
	}
	a.onToken(tok)
	return tok, nil
}

// authFailed records a token failure, backs off, and reports it once.
func (a *account) authFailed(e *auth.Error) {
	a.mu.Lock()
	a.authFails++
	d := a.b.opts.AuthRetryMin << uint(min(a.authFails-1, 20))
	if d <= 0 || d > a.b.opts.AuthRetryMax {
		d = a.b.opts.AuthRetryMax
	}
	a.authRetryAt = time.Now().Add(d)
	wasOK := a.authErr == nil
	a.authErr = e
	msg := e.Error()
	key := fmt.Sprintf("%s/%s/%d", e.Kind, e.OAuthError, e.Code)
	if e.Code == 0 {
		key += "/" + msg
	}
	logIt := key != a.lastLogged
	a.lastLogged = key
	a.mu.Unlock()
	if logIt {
		lvl := slog.LevelError
		if e.Kind == auth.Transient {
			lvl = slog.LevelWarn
		}
		a.log.Log(context.Background(), lvl, "cannot get a token", "kind", e.Kind.String(), "error", msg,
			"remedy", e.Remedy(a.login), "retry_in", d.Round(time.Second))
	}
	if wasOK || logIt {
		a.publishStatus()
	}
}

// onToken applies the planner when the token was refreshed, the granted
// scopes changed, or the account just recovered.
func (a *account) onToken(tok auth.Token) {
	g := append([]string(nil), tok.Granted...)
	sort.Strings(g)
	joined := strings.Join(g, " ")
	a.mu.Lock()
	recovered := a.authErr != nil
	changed := recovered || tok.Refreshed || joined != a.granted || a.report == nil
	a.authErr, a.authFails, a.lastLogged = nil, 0, ""
	if tok.Refreshed {
		a.lastRefresh = time.Now()
	}
	if tok.Username != "" && a.upn == "" {
		a.upn = tok.Username
	}
	a.personal = tok.Personal()
	a.granted = joined
	a.mu.Unlock()
	if recovered {
		a.log.Info("token available again")
	}
	if changed {
		a.check()
	}
}

// check runs planner.Check on the granted scopes and publishes the result.
func (a *account) check() {
	a.mu.Lock()
	pc := a.cfg.PlannerConfig(a.upn)
	granted := a.granted
	personal := a.personal
	old := a.report
	a.mu.Unlock()
	if personal && pc.AccountType != planner.Personal {
		a.log.Warn("the signed-in account is a personal Microsoft account but account_type is work: set account_type: personal so the planner checks the personal account's permissions")
	}
	rep, err := planner.Check(pc, planner.Token{Granted: granted, Filename: planner.TokenFilename(a.cfg.Name)})
	if err != nil {
		a.log.Error("planner", "err", err)
		return
	}
	a.mu.Lock()
	a.report = rep
	a.mu.Unlock()
	if old == nil || summary(old) != summary(rep) {
		a.logReport(rep)
	}
	a.publishStatus()
	for _, s := range a.sensors {
		s.poke()
	}
}

func summary(r *planner.Report) string {
	var b strings.Builder
	for _, f := range r.Features {
		fmt.Fprintf(&b, "%s=%s;", f.Feature, f.Status)
	}
	b.WriteString(strings.Join(r.Granted, " "))
	return b.String()
}

func (a *account) logReport(r *planner.Report) {
	for _, f := range r.Features {
		lvl := slog.LevelInfo
		if f.Status != planner.On {
			lvl = slog.LevelWarn
		}
		a.log.Log(context.Background(), lvl, "feature "+string(f.Status), "feature", f.Feature.String(), "explanation", f.Explanation)
	}
	for _, m := range r.LegacyMessages {
		a.log.Error(m, "account_name", a.cfg.Name)
	}
	if r.CurrentMessage != "" {
		a.log.Warn(r.CurrentMessage, "remedy", r.Remedy, "login", a.login)
	}
}

// featureStatus is the feature's status in the last report (Off before the
// first check or while no token can be had).
func (a *account) featureStatus(f planner.Feature) (*planner.FeatureStatus, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.report == nil || a.authErr != nil && a.authErr.Kind != auth.Transient {
		return nil, false
	}
	fs, ok := a.report.Feature(f)
	if !ok || fs.Status == planner.Off {
		return fs, false
	}
	return fs, true
}

// run signs in (waiting and retrying as needed), then runs the sensors
// until ctx ends.
func (a *account) run(ctx context.Context) {
	a.publishStatus()
	if err := a.subscribeCommands(); err != nil {
		a.log.Error("subscribing to commands", "err", err)
	}
	for {
		err := a.startup(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		var ae *auth.Error
		if !errors.As(err, &ae) {
			a.log.Warn("start-up check failed; retrying", "err", err)
		}
		a.mu.Lock()
		wait := time.Until(a.authRetryAt)
		a.mu.Unlock()
		if wait < a.b.opts.AuthRetryMin {
			wait = a.b.opts.AuthRetryMin
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.superviseAuth(ctx)
	}()
	for _, s := range a.sensors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.runSensor(ctx, s)
		}()
	}
	wg.Wait()
	a.publishAvailability(false)
}

// superviseAuth retries the token while it cannot be had (the sensors
// stop polling then), at the back-off's pace, so a new sign-in or a
// recovered identity platform brings the account back.
func (a *account) superviseAuth(ctx context.Context) {
	for {
		a.mu.Lock()
		failing := a.authErr != nil
		wait := time.Until(a.authRetryAt)
		a.mu.Unlock()
		if !failing || wait < 200*time.Millisecond {
			wait = 200 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		a.mu.Lock()
		retry := a.authErr != nil && !time.Now().Before(a.authRetryAt)
		a.mu.Unlock()
		if retry {
			_, _ = a.token(ctx)
		}
	}
}

// startup is the integration's start-up check: a token, then GET /me.
func (a *account) startup(ctx context.Context) error {
	var me struct {
		ID                string `json:"id"`
		DisplayName       string `json:"displayName"`
		UserPrincipalName string `json:"userPrincipalName"`
		Mail              string `json:"mail"`
	}
	if err := a.gc.Get(ctx, "/me", graphclient.Query{}.Add("$select", "id,displayName,userPrincipalName,mail"), &me); err != nil {
		var ge *graphclient.Error
		if errors.As(err, &ge) && ge.Status == 401 {
			a.authFailed(&auth.Error{Kind: auth.Transient, Message: "Graph refused the token: " + ge.Error()})
		} else if errors.As(err, &ge) {
			a.authFailed(&auth.Error{Kind: auth.Transient, Message: "GET /me: " + ge.Error()})
		}
		return err
	}
	a.mu.Lock()
	a.upn = firstNonEmpty(me.UserPrincipalName, me.Mail, a.upn)
	a.displayName = me.DisplayName
	a.started = true
	a.mu.Unlock()
	a.log.Info("signed in", "user", a.upn, "token_file", a.sess.CachePath())
	a.check()
	return nil
}

// runSensor polls one sensor on its interval, or at once when poked.
func (a *account) runSensor(ctx context.Context, s *sensor) {
	for {
		if _, ok := a.featureStatus(s.feature); ok {
			a.pollSensor(ctx, s)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.interval):
		case <-s.wake:
		}
	}
}

func (a *account) pollSensor(ctx context.Context, s *sensor) {
	ents, err := s.poll(ctx)
	if ctx.Err() != nil {
		return
	}
	a.noteDenied(s.key, s.feature, err)
	if err != nil {
		a.mu.Lock()
		prev := a.sensorErrs[s.key]
		a.sensorErrs[s.key] = err.Error()
		a.mu.Unlock()
		var ae *auth.Error
		if !errors.As(err, &ae) && prev != err.Error() {
			a.log.Warn("sensor update failed", "sensor", s.key, "err", err)
			a.publishPermissions()
		}
		return
	}
	a.mu.Lock()
	_, hadErr := a.sensorErrs[s.key]
	delete(a.sensorErrs, s.key)
	a.mu.Unlock()
	if hadErr {
		a.publishPermissions()
	}
	seen := map[string]bool{}
	for _, e := range ents {
		seen[e.object] = true
		a.publishEntity(s, e)
	}
	for obj, comp := range s.published() {
		if !seen[obj] {
			a.removeEntity(s, comp, obj)
		}
	}
}

// publish sends one message, logging failures (the broker connection
// reconnects by itself; retained topics are published again on the next
// poll).
func (a *account) publish(topic string, retained bool, payload []byte) {
	if !a.mqttReady() {
		return
	}
	if err := a.b.mq.Publish(topic, retained, payload); err != nil {
		a.log.Warn("mqtt publish", "topic", topic, "err", err)
	}
}

func (a *account) publishJSON(topic string, retained bool, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.log.Error("encoding", "topic", topic, "err", err)
		return
	}
	a.publish(topic, retained, b)
}

// publishStatus publishes availability, services and the permissions
// entity after a check or an authentication change.
func (a *account) publishStatus() {
	a.publishAvailability(true)
	a.publishServices()
	a.publishPermissions()
}

// publishAvailability marks each feature online or offline. live false
// marks everything offline (the account stops).
func (a *account) publishAvailability(live bool) {
	for _, f := range planner.Features() {
		on := false
		if live {
			_, on = a.featureStatus(f)
		}
		p := mqttha.Offline
		if on {
			p = mqttha.Online
		}
		a.publish(a.t.availability(f), true, []byte(p))
	}
}

func (s *sensor) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// mqttReady reports whether the bridge has a broker connection (tests build
// accounts without one).
func (a *account) mqttReady() bool { return a.b.mq != nil }
