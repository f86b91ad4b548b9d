package conformance

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"graphgate/internal/store"
)

func newID() string { return uuid.NewString() }

// hash is what the identity platform stores for a code or token value.
func hash(value string) []byte {
	h := sha256.Sum256([]byte(value))
	return h[:]
}

// t0 is the suite's clock: UTC, whole milliseconds, so values round-trip
// exactly through any backend that keeps at least milliseconds.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err is (wraps) target.
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// check compares a value read from the store with the expected one: slices
// compare by elements (nil equals empty, since backends may return either),
// times with time.Equal, and every time read back must be in UTC.
func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if msg := equal(reflect.ValueOf(got), reflect.ValueOf(want), what); msg != "" {
		t.Errorf("%s\n got: %+v\nwant: %+v", msg, got, want)
	}
	for _, msg := range nonUTC(reflect.ValueOf(got), what) {
		t.Error(msg)
	}
}

var timeType = reflect.TypeFor[time.Time]()

func equal(got, want reflect.Value, path string) string {
	if got.Type() == timeType {
		g, w := got.Interface().(time.Time), want.Interface().(time.Time)
		if !g.Equal(w) {
			return fmt.Sprintf("%s: %v, want %v", path, g, w)
		}
		return ""
	}
	switch got.Kind() {
	case reflect.Slice:
		if got.Len() != want.Len() {
			return fmt.Sprintf("%s: %d elements, want %d", path, got.Len(), want.Len())
		}
		for i := range got.Len() {
			if msg := equal(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
		return ""
	case reflect.Struct:
		for i := range got.NumField() {
			if msg := equal(got.Field(i), want.Field(i), path+"."+got.Type().Field(i).Name); msg != "" {
				return msg
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			return fmt.Sprintf("%s: %v, want %v", path, got.Interface(), want.Interface())
		}
		return ""
	}
}

func nonUTC(v reflect.Value, path string) []string {
	if v.Type() == timeType {
		if tm := v.Interface().(time.Time); tm.Location() != time.UTC {
			return []string{fmt.Sprintf("%s: %v is not in UTC", path, tm)}
		}
		return nil
	}
	var out []string
	switch v.Kind() {
	case reflect.Slice:
		for i := range v.Len() {
			out = append(out, nonUTC(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			out = append(out, nonUTC(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
	}
	return out
}

// sorted returns a copy of l sorted by the key.
func sorted[T any](l []T, key func(T) string) []T {
	l = slices.Clone(l)
	slices.SortFunc(l, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return l
}

// rounds is how many times the single-use races are run: a race that lets
// two callers win does not show every time.
const rounds = 5

// concurrently runs f(0), …, f(n-1) in n goroutines released together by a
// start barrier, and returns their errors by index.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// Fixtures, with every field set so that round trips check every column.

func newTenant(name string, domains ...string) store.Tenant {
	return store.Tenant{ID: newID(), DisplayName: name, Kind: store.TenantWork, Domains: domains, CreatedAt: at(0)}
}

func newUser(tenantID, upn string) store.User {
	return store.User{
		ID:                newID(),
		TenantID:          tenantID,
		UserPrincipalName: upn,
		DisplayName:       "Adele Vance",
		GivenName:         "Adele",
		Surname:           "Vance",
		Mail:              upn,
		JobTitle:          "Retail Manager",
		Department:        "Retail",
		OfficeLocation:    "18/2111",
		MobilePhone:       "+1 425 555 0109",
		BusinessPhones:    []string{"+1 425 555 0109", "+1 425 555 0110"},
		PreferredLanguage: "en-US",
		UsageLocation:     "US",
		Kind:              store.UserMember,
		AccountEnabled:    true,
		PasswordHash:      "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		Roles:             []string{"62e90394-69f5-4237-9190-012177145e10", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"},
		ManagerID:         newID(),
		CreatedAt:         at(time.Second),
		Version:           1,
	}
}

func newGroup(tenantID, name string) store.Group {
	return store.Group{
		ID:              newID(),
		TenantID:        tenantID,
		DisplayName:     name,
		Description:     "Everything about " + name,
		MailNickname:    strings.ToLower(name),
		Mail:            strings.ToLower(name) + "@contoso.com",
		GroupTypes:      []string{"Unified"},
		MailEnabled:     true,
		SecurityEnabled: false,
		Visibility:      store.VisibilityPrivate,
		CreatedAt:       at(2 * time.Second),
		Version:         1,
	}
}

func newAU(tenantID, name string) store.AdministrativeUnit {
	return store.AdministrativeUnit{ID: newID(), TenantID: tenantID, DisplayName: name, Description: name + " unit", Visibility: "HiddenMembership"}
}

func newApp(tenantID, name string) store.App {
	return store.App{
		AppID:          newID(),
		ObjectID:       newID(),
		TenantID:       tenantID,
		DisplayName:    name,
		SignInAudience: store.AudienceMultipleOrgs,
		PublicClient:   false,
		RedirectURIs: []store.RedirectURI{
			{URI: "https://app.contoso.com/signin-oidc", Kind: store.RedirectWeb},
			{URI: "http://localhost:3000", Kind: store.RedirectSPA},
			{URI: "https://login.microsoftonline.com/common/oauth2/nativeclient", Kind: store.RedirectPublicClient},
		},
		Secrets: []store.ClientSecret{
			{ID: newID(), DisplayName: "ci", Hint: "abc", Hash: hash("secret one"), ExpiresAt: at(365 * 24 * time.Hour), CreatedAt: at(3 * time.Second)},
			{ID: newID(), DisplayName: "prod", Hint: "xyz", Hash: hash("secret two"), ExpiresAt: at(730 * 24 * time.Hour), CreatedAt: at(4 * time.Second)},
		},
		Certificates: []store.Certificate{
			{ID: newID(), DisplayName: "CN=contoso", DER: []byte{0x30, 0x82, 0x01, 0x0a, 0x00, 0xff}, ExpiresAt: at(90 * 24 * time.Hour)},
		},
		RequiredScopes: []string{"User.Read", "Mail.Read", "offline_access"},
		RequiredRoles:  []string{"User.Read.All"},
		CreatedAt:      at(5 * time.Second),
		Version:        1,
	}
}

func newAuthCode(value, tenantID, clientID, userID string) store.AuthCode {
	return store.AuthCode{
		Hash:                hash(value),
		TenantID:            tenantID,
		ClientID:            clientID,
		UserID:              userID,
		RedirectURI:         "http://localhost:3000",
		Scopes:              []string{"openid", "profile", "User.Read"},
		Requested:           []string{"openid", "profile", "https://graph.microsoft.com/User.Read"},
		Nonce:               "n-0S6_WzA2Mj",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		AuthTime:            at(time.Minute),
		ExpiresAt:           at(time.Minute + 10*time.Minute),
	}
}

func newRefreshToken(value, familyID, tenantID, clientID, userID string) store.RefreshToken {
	return store.RefreshToken{
		Hash:      hash(value),
		FamilyID:  familyID,
		TenantID:  tenantID,
		ClientID:  clientID,
		UserID:    userID,
		Scopes:    []string{"openid", "offline_access", "Mail.Read"},
		AuthTime:  at(time.Minute),
		CreatedAt: at(2 * time.Minute),
		ExpiresAt: at(90 * 24 * time.Hour),
	}
}

func newDeviceCode(value, userCode, clientID string) store.DeviceCode {
	return store.DeviceCode{
		Hash:       hash(value),
		UserCode:   userCode,
		TenantSeg:  "organizations",
		ClientID:   clientID,
		Scopes:     []string{"User.Read", "offline_access"},
		Requested:  []string{"User.Read", "offline_access"},
		Status:     store.DevicePending,
		ExpiresAt:  at(15 * time.Minute),
		LastPollAt: at(time.Minute),
		Interval:   5,
	}
}

func newSigningKey(generation int64) store.SigningKey {
	return store.SigningKey{
		Generation: generation,
		KID:        newID(),
		PrivateKey: []byte("pkcs8 " + newID()),
		CertDER:    []byte("cert " + newID()),
		ActivateAt: at(time.Duration(generation) * time.Hour),
		RetireAt:   at(time.Duration(generation+2) * time.Hour),
		CreatedAt:  at(time.Duration(generation) * time.Minute),
	}
}
