package graphpath

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeRequest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/me", "/me"},
		{"/v1.0/me/messages", "/me/messages"},
		{"/beta/Me/MailFolders/Inbox/Messages?$top=5", "/me/mailfolders/inbox/messages"},
		{"https://graph.microsoft.com/v1.0/users/a@b.c/calendarView?startDateTime=x", "/users/a@b.c/calendarview"},
		{"/users('a@b.c')/messages", "/users/{id}/messages"},
		{"/users(abc)", "/users/{id}"},
		{"/me/drive/root:/FolderA/FileB.txt:/content", "/me/drive/root:/{id}:/content"},
		{"/me/drive/root:/FolderA/FileB.txt", "/me/drive/root:/{id}"},
		{"/me/drive/items/123:/file.txt:/content", "/me/drive/items/123:/{id}:/content"},
		{"/reports/getEmailActivityUserDetail(period='D7')", "/reports/getemailactivityuserdetail(period={value})"},
		{"/me/drive/items/1/workbook/worksheets/2/range(address='A1:B2')", "/me/drive/items/1/workbook/worksheets/2/range(address={value})"},
		// A ':' inside quotes is text: it neither opens nor closes an item path.
		{"/me/drive/root:/Budget.xlsx:/workbook/worksheets/2/range(address='A1:B2')/format", "/me/drive/root:/{id}:/workbook/worksheets/2/range(address={value})/format"},
		{"/me/drive/items/1/workbook/worksheets('Q1:Q2')/range(address='Sheet1!A:A')", "/me/drive/items/1/workbook/worksheets/{id}/range(address={value})"},
		{"/x/resizedRange(deltaRows=1, deltaColumns=2)", "/x/resizedrange(deltarows={value},deltacolumns={value})"},
		{"/me/calendar/calendarView/delta()", "/me/calendar/calendarview/delta"},
		{"/me//messages/", "/me/messages"},
		{"/", "/"},
		{"/v1.0", "/"},
	}
	var p Path
	for _, tt := range tests {
		if err := Normalize(&p, tt.in, Request); err != nil {
			t.Errorf("Normalize(%q): %v", tt.in, err)
			continue
		}
		// Request-mode key segments render as {id} too.
		if got := p.String(); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeTemplate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/users/{user-id}/mailFolders/{mailFolder-id}/messages", "/users/{id}/mailfolders/{id}/messages"},
		{"/me/drive/root:/{item-path}:/content", "/me/drive/root:/{id}:/content"},
		{"/me/drive/root:/foldera/fileb.txt:/content", "/me/drive/root:/{id}:/content"},
		{"/drives/{id}/items/{id}:/{id}:/content", "/drives/{id}/items/{id}:/{id}:/content"},
		{"/sites/{id}:/{id}", "/sites/{id}:/{id}"},
		{"/me/mailfolders/{id}/childfolders/{id}/.../messages", "/me/mailfolders/{id}/childfolders/{id}/.../messages"},
		{"/devices(deviceid={value})/memberof", "/devices(deviceid={value})/memberof"},
	}
	var p Path
	for _, tt := range tests {
		if err := Normalize(&p, tt.in, Template); err != nil {
			t.Errorf("Normalize(%q): %v", tt.in, err)
			continue
		}
		if got := p.String(); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeParamValues(t *testing.T) {
	var p Path
	if err := Normalize(&p, "/v1.0/users('Adele@contoso.com')/drive/root:/Docs/a b.txt:/content", Request); err != nil {
		t.Fatal(err)
	}
	want := []string{"users", "Adele@contoso.com", "drive", "root:", "Docs/a b.txt:", "content"}
	if p.N != len(want) {
		t.Fatalf("%d segments, want %d: %s", p.N, len(want), p.String())
	}
	for i, w := range want {
		if got := p.Orig(i); got != w {
			t.Errorf("segment %d original = %q, want %q", i, got, w)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		in  string
		err error
	}{
		{"", ErrEmpty},
		{"me", ErrNotAbs},
		{"/x/range(address='A1'", ErrBadSegment},
		{"/x/(a)", ErrBadSegment},
		{"/x/f(a=1)b", ErrBadSegment},
		{"/x/f(a=1,b)", ErrBadSegment},
		{"/" + strings.Repeat("a/", MaxSegments+1), ErrTooDeep},
		{"/" + strings.Repeat("a", MaxLen), ErrTooLong},
	}
	var p Path
	for _, tt := range tests {
		if err := Normalize(&p, tt.in, Request); !errors.Is(err, tt.err) {
			t.Errorf("Normalize(%q) = %v, want %v", tt.in, err, tt.err)
		}
	}
}

func TestNormalizeNoAlloc(t *testing.T) {
	var p Path
	p.Buf = make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		_ = Normalize(&p, "/v1.0/users/abc/mailFolders('inbox')/messages/xyz/attachments?$top=3", Request)
	})
	if allocs != 0 {
		t.Errorf("Normalize allocates %v times per call", allocs)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"/me", "/users('x')/a", "/me/drive/root:/a/b:/c", "/x/f(a='1',b=2)", "/a/{id}/...", "/x/(y)", "/x/f(a=1)b", "https://h/v1.0/me?x", "/::/:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, mode := range []Mode{Request, Template} {
			var p Path
			if err := Normalize(&p, s, mode); err != nil {
				continue
			}
			out := p.String()
			for i := 0; i < p.N; i++ {
				_ = p.Orig(i)
				_ = p.Text(i)
			}
			// Normalizing the normal form is a fixed point.
			var q Path
			if err := Normalize(&q, out, mode); err != nil {
				t.Fatalf("normal form %q of %q does not normalize: %v", out, s, err)
			}
			if q.String() != out {
				t.Fatalf("not idempotent: %q → %q → %q", s, out, q.String())
			}
		}
	})
}
