package identity

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/store"
)

// handleDeviceCode starts a device authorization (RFC 8628 §3.1).
func (s *Server) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errInvalidRequest("The request body could not be parsed as a form."))
		return
	}
	ctx := r.Context()
	ts, e := s.resolveTenant(ctx, r.PathValue("tenant"))
	if e != nil {
		s.fail(w, r, e)
		return
	}
	app, e := s.lookupApp(ctx, r.PostForm.Get("client_id"), ts)
	if e != nil {
		s.fail(w, r, e)
		return
	}
	if e := s.checkApp(app, ts); e != nil {
		s.fail(w, r, e)
		return
	}
	scope := r.PostForm.Get("scope")
	if strings.TrimSpace(scope) == "" {
		s.fail(w, r, errScopeRequired())
		return
	}
	req, e := parseScopes(s.cat, scope, ts.raw)
	if e != nil {
		s.fail(w, r, e)
		return
	}
	now := s.now()
	device := newOpaque("DAQABAAEAAAD")
	userCode := newUserCode()
	d := store.DeviceCode{Hash: hashToken(device), UserCode: userCode, TenantSeg: ts.raw, ClientID: app.AppID, Requested: req.raw,
		Status: store.DevicePending, ExpiresAt: now.Add(s.cfg.DeviceCodeLifetime), Interval: int(s.cfg.DeviceCodeInterval / time.Second)}
	if err := s.store.CreateDeviceCode(ctx, d); err != nil {
		s.fail(w, r, errStore("storing the device code", err))
		return
	}
	verify := s.issuerBase(r) + "/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code":        userCode,
		"device_code":      device,
		"verification_uri": verify,
		"expires_in":       int(s.cfg.DeviceCodeLifetime / time.Second),
		"interval":         d.Interval,
		"message":          "To sign in, use a web browser to open the page " + verify + " and enter the code " + userCode + " to authenticate.",
	})
}

// userCodeAlphabet avoids letters and digits people confuse.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ23456789"

func newUserCode() string {
	var b strings.Builder
	for i := 0; i < 9; i++ {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(userCodeAlphabet))))
		if err != nil {
			panic(err)
		}
		b.WriteByte(userCodeAlphabet[n.Int64()])
	}
	return b.String()
}

// handleDeviceLogin is the page where people type the user code.
func (s *Server) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.render(w, http.StatusOK, "devicelogin", pageData{Title: "Enter code", Code: r.URL.Query().Get("otc")})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "devicelogin", pageData{Title: "Enter code", Error: "The form could not be read."})
		return
	}
	code := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(r.PostForm.Get("otc")))
	ctx := r.Context()
	d, err := s.store.DeviceCodeByUserCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) || err == nil && (d.Status != store.DevicePending || s.now().After(d.ExpiresAt)) {
		s.render(w, http.StatusOK, "devicelogin", pageData{Title: "Enter code", Code: code,
			Error: "That code didn't work. Check the code and try again, or start again on your device."})
		return
	}
	if err != nil {
		s.errorPage(w, r, errStore("reading the device code", err))
		return
	}
	ts, e := s.resolveTenant(ctx, d.TenantSeg)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	app, e := s.lookupApp(ctx, d.ClientID, ts)
	if e != nil {
		s.errorPage(w, r, e)
		return
	}
	f := flow{Kind: "device", Tenant: d.TenantSeg, ClientID: d.ClientID, Scope: strings.Join(d.Requested, " "),
		DeviceHash: hex.EncodeToString(d.Hash), Prompt: "login"}
	s.startSignIn(w, r, f, app)
}
