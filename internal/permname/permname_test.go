package permname

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Name
	}{
		{"User.Read", Name{"User", "Read", ""}},
		{"Mail.ReadWrite.Shared", Name{"Mail", "ReadWrite", "Shared"}},
		{"Directory.AccessAsUser.All", Name{"Directory", "AccessAsUser", "All"}},
		{"TenantGovernance-Invitation.Read.All", Name{"TenantGovernance-Invitation", "Read", "All"}},
		{"DeviceManagement.Scripts.ReadWrite.All", Name{"DeviceManagement.Scripts", "ReadWrite", "All"}},
		{"offline_access", Name{"offline_access", "", ""}},
		{"openid", Name{"openid", "", ""}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if got.String() != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, got.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", ".", "User.", ".Read", "User..Read", "User.Read!", "a.b.c.d.e", "Mail Read", "Mail/Read",
		string(make([]byte, 200))} {
		if _, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestImplies(t *testing.T) {
	tests := []struct {
		held, want string
		ok         bool
	}{
		// ReadBasic ⊂ Read ⊂ ReadWrite on one resource.
		{"Mail.Read", "Mail.ReadBasic", true},
		{"Mail.ReadWrite", "Mail.Read", true},
		{"Mail.ReadWrite", "Mail.ReadBasic", true},
		{"Mail.ReadBasic", "Mail.Read", false},
		{"Mail.Read", "Mail.ReadWrite", false},
		{"User.ReadWrite.All", "User.ReadBasic.All", true},
		{"Group.ReadWriteBasic.All", "Group.ReadBasic.All", true},
		{"Group.ReadWrite.All", "Group.ReadWriteBasic.All", true},
		// own ⊂ .Shared and own ⊂ .All.
		{"Calendars.Read.Shared", "Calendars.Read", true},
		{"Calendars.ReadWrite.Shared", "Calendars.Read", true},
		{"Calendars.Read", "Calendars.Read.Shared", false},
		{"User.Read.All", "User.Read", true},
		{"User.Read", "User.Read.All", false},
		{"Presence.Read.All", "Presence.Read", true},
		// .Shared and .All are not comparable.
		{"Mail.Read.Shared", "Mail.Read.All", false},
		{"Mail.Read.All", "Mail.Read.Shared", false},
		// Mail.ReadWrite does not imply Mail.Send.
		{"Mail.ReadWrite", "Mail.Send", false},
		{"Mail.ReadWrite.Shared", "Mail.Send.Shared", false},
		// Directory.ReadWrite.All ⊇ Directory.Read.All.
		{"Directory.ReadWrite.All", "Directory.Read.All", true},
		{"Directory.Read.All", "Directory.ReadWrite.All", false},
		// Different resources never imply each other.
		{"Mail.ReadWrite", "Calendars.Read", false},
		{"Directory.ReadWrite.All", "User.Read.All", false},
		// Case-insensitive, as Entra ID compares scopes.
		{"mail.readwrite", "Mail.Read", true},
		// Unknown operations imply only themselves.
		{"Chat.Create", "Chat.Create", true},
		{"Chat.ReadWrite", "Chat.Create", false},
	}
	for _, tt := range tests {
		if got := Implies(MustParse(tt.held), MustParse(tt.want)); got != tt.ok {
			t.Errorf("Implies(%s, %s) = %v, want %v", tt.held, tt.want, got, tt.ok)
		}
	}
}

func TestLess(t *testing.T) {
	order := []string{"Mail.ReadBasic", "Mail.Read", "Mail.Read.Shared", "Mail.ReadWrite", "Mail.ReadWrite.Shared", "Mail.ReadWrite.All"}
	for i := 0; i+1 < len(order); i++ {
		a, b := MustParse(order[i]), MustParse(order[i+1])
		if !Less(a, b) || Less(b, a) {
			t.Errorf("want %s < %s", order[i], order[i+1])
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"User.Read", "Mail.ReadWrite.Shared", "a.b.c.d", "", "..", "offline_access", "x.y.z.w.v"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		// A parsed name renders back to the input and parses to itself.
		if n.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, n.String())
		}
		n2, err := Parse(n.String())
		if err != nil || n2 != n {
			t.Fatalf("round trip of %q: %+v, %v", s, n2, err)
		}
		_ = Implies(n, n2)
		if !Implies(n, n) {
			t.Fatalf("%q does not imply itself", s)
		}
	})
}
