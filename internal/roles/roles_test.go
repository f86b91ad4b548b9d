package roles

import "testing"

func TestParse(t *testing.T) {
	tests := map[string]Role{
		"Global Administrator": GlobalAdministrator, "global-admin": GlobalAdministrator, "GlobalAdministrator": GlobalAdministrator,
		"62e90394-69f5-4237-9190-012177145e10": GlobalAdministrator, "security-reader": SecurityReader,
		"Security Administrator": SecurityAdministrator, "user-administrator": UserAdministrator,
		"Application Administrator": ApplicationAdministrator, "app-admin": ApplicationAdministrator,
		"application-administrator": ApplicationAdministrator, "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": ApplicationAdministrator,
		"Cloud Application Administrator": CloudApplicationAdministrator, "cloud-app-admin": CloudApplicationAdministrator,
		"CloudApplicationAdministrator": CloudApplicationAdministrator, "158c047a-c907-4556-b7ef-446551a6b5f7": CloudApplicationAdministrator,
	}
	for in, want := range tests {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := Parse("janitor"); err == nil {
		t.Error("Parse accepted an unknown role")
	}
	s, err := ParseList("global-admin, security-reader")
	if err != nil || !s.Has(GlobalAdministrator) || !s.Has(SecurityReader) || s.Has(UserAdministrator) {
		t.Errorf("ParseList = %v, %v", s, err)
	}
	if s.String() != "Global Administrator, Security Reader" {
		t.Errorf("String = %q", s.String())
	}
}

func TestTemplateIDsUnique(t *testing.T) {
	seen := map[string]Role{}
	for _, r := range All() {
		id := r.TemplateID()
		if len(id) != 36 {
			t.Errorf("%v: template id %q is not a GUID", r, id)
		}
		if o, dup := seen[id]; dup {
			t.Errorf("%v and %v share template id %s", r, o, id)
		}
		seen[id] = r
	}
}
