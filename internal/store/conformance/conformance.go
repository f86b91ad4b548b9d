package conformance

import (
	"testing"

	"graphgate/internal/store"
)

// test is one subtest: it gets a fresh, empty store.
type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// RunTests runs the suite against the stores newStore returns. newStore is
// called once per subtest; it must return an empty store that no other
// subtest uses, and register its cleanup with t.Cleanup.
func RunTests(t *testing.T, newStore func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Tenants", tenantTests},
		{"Users", userTests},
		{"Groups", groupTests},
		{"AdministrativeUnits", auTests},
		{"Memberships", membershipTests},
		{"Apps", appTests},
		{"ServicePrincipals", spTests},
		{"DelegatedGrants", grantTests},
		{"AppRoleAssignments", appRoleTests},
		{"AuthCodes", authCodeTests},
		{"RefreshTokens", refreshTokenTests},
		{"DeviceCodes", deviceCodeTests},
		{"DeleteExpired", expiryTests},
		{"Lockouts", lockoutTests},
		{"SigningKeys", signingKeyTests},
		{"Settings", settingTests},
		{"SettingsList", settingListTests},
		{"Transfer", transferTests},
		{"Snapshots", snapshotTests},
		{"Items", itemTests},
		{"ItemOverlap", overlapTests},
		{"ItemText", textSearchTests},
		{"ItemKeyset", keysetTests},
		{"FolderCounts", countTests},
		{"DirectoryQueries", directoryQueryTests},
		{"Decisions", decisionTests},
		{"SignIns", signInTests},
		{"Contract", contractTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(t, newStore(t))
				})
			}
		})
	}
}
