package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"graphgate/internal/faults"
)

// maxAnswer bounds what the client reads of an answer.
const maxAnswer = 4 << 20

// Client calls a running server's admin API. Its methods are safe for
// concurrent use.
type Client struct {
	// Base is the server's URL, e.g. https://localhost:8443.
	Base string
	// HTTP is the client (trusting the server's CA).
	HTTP *http.Client
	// Token is a Global Administrator's access token ("" for a server run
	// with --admin-no-auth).
	Token string
}

// APIError is an error answer of the admin API (Graph's error body).
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("the server answered %d %s: %s", e.Status, e.Code, e.Message)
}

func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Base, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		var eb struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(raw, &eb) != nil || eb.Error.Code == "" {
			return &APIError{Status: res.StatusCode, Code: http.StatusText(res.StatusCode), Message: strings.TrimSpace(string(raw))}
		}
		return &APIError{Status: res.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if out == nil || res.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s answered what is not the admin API's JSON (is %s a graphgate server?): %w", method, path, c.Base, err)
	}
	return nil
}

// Clock reads the server's clock.
func (c *Client) Clock(ctx context.Context) (ClockState, error) {
	var s ClockState
	err := c.call(ctx, http.MethodGet, "/admin/v1/clock", nil, &s)
	return s, err
}

// ChangeClock runs a clock action: freeze, reset, advance (By) or set
// (Time).
func (c *Client) ChangeClock(ctx context.Context, action string, ch ClockChange) (ClockState, error) {
	var s ClockState
	var in any
	if ch != (ClockChange{}) {
		in = ch
	}
	err := c.call(ctx, http.MethodPost, "/admin/v1/clock/"+url.PathEscape(action), in, &s)
	return s, err
}

// Faults lists the fault rules with their counters.
func (c *Client) Faults(ctx context.Context) ([]faults.Rule, error) {
	var l FaultList
	err := c.call(ctx, http.MethodGet, "/admin/v1/faults", nil, &l)
	return l.Value, err
}

// AddFault adds a rule and returns it as stored (with its id).
func (c *Client) AddFault(ctx context.Context, r faults.Rule) (faults.Rule, error) {
	var out faults.Rule
	err := c.call(ctx, http.MethodPost, "/admin/v1/faults", r, &out)
	return out, err
}

// RemoveFault removes the rule with id.
func (c *Client) RemoveFault(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/admin/v1/faults/"+url.PathEscape(id), nil, nil)
}

// ClearFaults removes every rule.
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.call(ctx, http.MethodDelete, "/admin/v1/faults", nil, nil)
}

// SignIn gets an access token for Graph with the password grant (a
// confidential client's id and secret, a user's name and password) from
// the server at base, in tenant: how the CLI signs the demo tenant's
// Global Administrator in through the demo web app, whose User.Read the
// administrator consented to for the organization.
func SignIn(ctx context.Context, hc *http.Client, base, tenant, clientID, secret, user, password string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {secret}, "username": {user},
		"password": {password}, "scope": {"https://graph.microsoft.com/User.Read"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/"+url.PathEscape(tenant)+"/oauth2/v2.0/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, maxAnswer)).Decode(&tr); err != nil {
		return "", fmt.Errorf("signing %s in: %d %s", user, res.StatusCode, http.StatusText(res.StatusCode))
	}
	if tr.AccessToken == "" {
		desc, _, _ := strings.Cut(tr.Description, "\r\n")
		return "", fmt.Errorf("signing %s in: %s: %s", user, tr.Error, desc)
	}
	return tr.AccessToken, nil
}
