package entra

import (
	"bytes"
	"encoding/json"
	"testing"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// TestAppendUserDefault keeps the hand-written encoder of the default user
// shape byte-identical to what encoding/json makes of userDefaultJSON.
func TestAppendUserDefault(t *testing.T) {
	for _, u := range []store.User{
		{ID: "6e7b768e-07e2-4810-8459-485f84f8f204", UserPrincipalName: "adele@contoso.com", DisplayName: "Adele Vance",
			GivenName: "Adele", Surname: "Vance", Mail: "adele@contoso.com", JobTitle: "Retail Manager", OfficeLocation: "18/2111",
			MobilePhone: "+1 425 555 0109", PreferredLanguage: "en-US", BusinessPhones: []string{"+1 425 555 0109", "+1 425 555 0100"}},
		{ID: "x", UserPrincipalName: "y"},
		{ID: "q", UserPrincipalName: `quote"back\slash`, DisplayName: "<b>&amp;</b>", GivenName: "Zoë 日本", Surname: "tab\tnl\nnul\x00",
			JobTitle: "line\u2028sep", Mail: "\xff invalid", BusinessPhones: []string{}},
	} {
		ctx := `https://graph.example/v1.0/$metadata#users/$entity`
		got := appendUserDefault(nil, ctx, &u)
		j := toUserJSON(&u)
		obj, err := json.Marshal(userDefaultJSON{BusinessPhones: j.BusinessPhones, DisplayName: j.DisplayName, GivenName: j.GivenName,
			JobTitle: j.JobTitle, Mail: j.Mail, MobilePhone: j.MobilePhone, OfficeLocation: j.OfficeLocation,
			PreferredLanguage: j.PreferredLanguage, Surname: j.Surname, UserPrincipalName: j.UserPrincipalName, ID: j.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := graph.WithContext(obj, ctx)
		if !bytes.Equal(got, want) {
			t.Errorf("user %s:\n got %s\nwant %s", u.ID, got, want)
		}
		if !json.Valid(got) {
			t.Errorf("user %s: invalid JSON %s", u.ID, got)
		}
	}
}
