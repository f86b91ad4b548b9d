package conformance

import (
	"fmt"
	"testing"

	"graphgate/internal/store"
)

// Directory queries: the caller's query IR over store.DirectoryColumns.

// directory is a query fixture: users and groups of one tenant, and
// look-alikes in another.
type directory struct {
	tenant, other string
	// adele1 and adele2 share a display name; alex and diego report to
	// adele1; megan is disabled.
	adele1, adele2, alex, diego, grady, megan store.User
	users                                     []store.User // the tenant's users
	otherAdele                                store.User
	retail, sales, admins                     store.Group
	groups                                    []store.Group
	otherRetail                               store.Group
}

func newDirectory(t *testing.T, s store.Store) directory {
	t.Helper()
	ctx := t.Context()
	d := directory{tenant: newID(), other: newID()}
	user := func(tenant, upn, name string) store.User {
		u := newUser(tenant, upn)
		u.DisplayName = name
		u.ManagerID = ""
		return u
	}
	d.adele1 = user(d.tenant, "adelev@contoso.com", "Adele Vance")
	d.adele2 = user(d.tenant, "adele.vance@contoso.com", "Adele Vance")
	d.alex = user(d.tenant, "alexw@contoso.com", "Alex Wilber")
	d.diego = user(d.tenant, "diegos@contoso.com", "Diego Siciliani")
	d.grady = user(d.tenant, "gradya@contoso.com", "grady archie") // lower case: sorts with the others ignoring case
	d.megan = user(d.tenant, "meganb@contoso.com", "Megan Bowen")
	d.alex.ManagerID, d.diego.ManagerID = d.adele1.ID, d.adele1.ID
	d.megan.AccountEnabled = false
	d.users = []store.User{d.adele1, d.adele2, d.alex, d.diego, d.grady, d.megan}
	d.otherAdele = user(d.other, "adelev@fabrikam.com", "Adele Vance")
	d.otherAdele.ManagerID = d.adele1.ID // an id from another tenant: still not a report
	for _, u := range append(d.users, d.otherAdele) {
		must(t, s.CreateUser(ctx, u))
	}

	d.retail = newGroup(d.tenant, "Retail")
	d.sales = newGroup(d.tenant, "Sales")
	d.admins = newGroup(d.tenant, "Admins")
	d.admins.GroupTypes, d.admins.MailEnabled, d.admins.SecurityEnabled = nil, false, true
	d.groups = []store.Group{d.retail, d.sales, d.admins}
	d.otherRetail = newGroup(d.other, "Retail")
	for _, g := range append(d.groups, d.otherRetail) {
		must(t, s.CreateGroup(ctx, g))
	}
	return d
}

func usersByID(users ...store.User) []store.User {
	return sorted(users, func(u store.User) string { return u.ID })
}

func groupsByID(groups ...store.Group) []store.Group {
	return sorted(groups, func(g store.Group) string { return g.ID })
}

var directoryQueryTests = []test{
	{"Users", testQueryUsers},
	{"UsersOrder", testQueryUsersOrder},
	{"UsersPagingAndCount", testQueryUsersPaging},
	{"DirectoryPagesByKey", testQueryDirectoryPages},
	{"Groups", testQueryGroups},
}

// col is a directory column of type string; colEq compares one with a
// string.
func col(name string) store.Field { return store.Column(name, store.TypeString) }
func colEq(name, v string) store.Compare {
	return store.Compare{Field: col(name), Op: store.Eq, Value: store.String(v)}
}

// testQueryUsers: Filter, IDs, and the tenant always select.
func testQueryUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := newDirectory(t, s)
	enabled := store.Column("account_enabled", store.TypeBool)
	for _, tc := range []struct {
		name   string
		q      store.DirectoryQuery
		filter store.Cond
		want   []store.User
	}{
		{"tenant", store.DirectoryQuery{TenantID: d.tenant}, nil, d.users},
		{"other tenant", store.DirectoryQuery{TenantID: d.other}, nil, []store.User{d.otherAdele}},
		{"empty tenant", store.DirectoryQuery{TenantID: newID()}, nil, nil},
		{"display name", store.DirectoryQuery{TenantID: d.tenant}, colEq("display_name", "Adele Vance"), []store.User{d.adele1, d.adele2}},
		{"display name, case-insensitive prefix", store.DirectoryQuery{TenantID: d.tenant},
			store.Match{Field: col("display_name"), Kind: store.Prefix, Text: "a"}, []store.User{d.adele1, d.adele2, d.alex}},
		{"manager", store.DirectoryQuery{TenantID: d.tenant}, colEq("manager_id", d.adele1.ID), []store.User{d.alex, d.diego}},
		{"account enabled", store.DirectoryQuery{TenantID: d.tenant}, store.Compare{Field: enabled, Op: store.Eq, Value: store.Bool(false)}, []store.User{d.megan}},
		{"two arguments", store.DirectoryQuery{TenantID: d.tenant}, store.Or{colEq("upn", d.alex.UserPrincipalName), colEq("mail", d.megan.Mail)},
			[]store.User{d.alex, d.megan}},
		{"ids", store.DirectoryQuery{TenantID: d.tenant, IDs: []string{d.alex.ID, d.megan.ID, newID()}}, nil, []store.User{d.alex, d.megan}},
		{"ids of another tenant", store.DirectoryQuery{TenantID: d.tenant, IDs: []string{d.otherAdele.ID, d.alex.ID}}, nil, []store.User{d.alex}},
		{"ids and where", store.DirectoryQuery{TenantID: d.tenant, IDs: []string{d.adele2.ID, d.alex.ID, d.diego.ID}},
			store.Or{colEq("display_name", "Adele Vance"), colEq("manager_id", d.adele1.ID)}, []store.User{d.adele2, d.alex, d.diego}},
		{"ids and where, grouped by the backend", store.DirectoryQuery{TenantID: d.tenant, IDs: []string{d.megan.ID}},
			store.Or{colEq("display_name", "Adele Vance"), colEq("display_name", "Megan Bowen")}, []store.User{d.megan}},
		{"where in another tenant", store.DirectoryQuery{TenantID: d.other}, colEq("manager_id", d.adele1.ID), []store.User{d.otherAdele}},
	} {
		tc.q.Filter, tc.q.Count = tc.filter, true
		got, n, err := s.QueryUsers(ctx, tc.q)
		must(t, err)
		check(t, tc.name, got, usersByID(tc.want...))
		if n != len(tc.want) {
			t.Errorf("%s: count %d, want %d", tc.name, n, len(tc.want))
		}
	}
}

// testQueryUsersOrder: the caller's ordering, then id.
func testQueryUsersOrder(t *testing.T, s store.Store) {
	d := newDirectory(t, s)
	// The two Adeles tie; id breaks the tie, ascending whatever the order.
	adeles := usersByID(d.adele1, d.adele2)
	for _, tc := range []struct {
		name  string
		order []store.Order
		want  []store.User
	}{
		{"none: id", nil, usersByID(d.users...)},
		{"display name", []store.Order{foldAsc(col("display_name"))}, []store.User{adeles[0], adeles[1], d.alex, d.diego, d.grady, d.megan}},
		{"display name descending", []store.Order{foldDesc(col("display_name"))}, []store.User{d.megan, d.grady, d.diego, d.alex, adeles[0], adeles[1]}},
		{"two keys", []store.Order{asc(store.Column("account_enabled", store.TypeBool)), desc(col("upn"))},
			[]store.User{d.megan, d.grady, d.diego, d.alex, d.adele1, d.adele2}},
	} {
		got, _, err := s.QueryUsers(t.Context(), store.DirectoryQuery{TenantID: d.tenant, Order: tc.order})
		must(t, err)
		check(t, "users ordered by "+tc.name, got, tc.want)
	}
}

// testQueryUsersPaging: Limit and Offset page through the order, visiting
// every user once; Count is the total, whatever the page.
func testQueryUsersPaging(t *testing.T, s store.Store) {
	d := newDirectory(t, s)
	order := []store.Order{foldAsc(col("display_name"))}
	all, n, err := s.QueryUsers(t.Context(), store.DirectoryQuery{TenantID: d.tenant, Order: order})
	must(t, err)
	if len(all) != len(d.users) || n != -1 {
		t.Fatalf("all users: %d, count %d; want %d, -1", len(all), n, len(d.users))
	}
	for _, size := range []int{1, 2, 4, 6, 10} {
		var walked []store.User
		for offset := 0; ; offset += size {
			page, n, err := s.QueryUsers(t.Context(), store.DirectoryQuery{TenantID: d.tenant, Order: order, Limit: size, Offset: offset, Count: true})
			must(t, err)
			if n != len(d.users) {
				t.Errorf("page size %d, offset %d: count %d, want %d", size, offset, n, len(d.users))
			}
			if len(page) > size {
				t.Fatalf("page size %d, offset %d: %d users", size, offset, len(page))
			}
			if len(page) == 0 {
				break
			}
			walked = append(walked, page...)
		}
		check(t, fmt.Sprintf("walking pages of %d", size), walked, all)
	}
	page, n, err := s.QueryUsers(t.Context(), store.DirectoryQuery{TenantID: d.tenant, Order: order, Limit: 2, Offset: 1})
	must(t, err)
	check(t, "page of 2 at offset 1, not counted", page, all[1:3])
	if n != -1 {
		t.Errorf("count without Count = %d, want -1", n)
	}
	page, n, err = s.QueryUsers(t.Context(), store.DirectoryQuery{TenantID: d.tenant, Filter: colEq("manager_id", d.adele1.ID),
		Limit: 1, Count: true})
	must(t, err)
	check(t, "a filtered page", page, usersByID(d.alex, d.diego)[:1])
	if n != 2 {
		t.Errorf("filtered count = %d, want 2", n)
	}
}

// testQueryGroups: the same for groups.
func testQueryGroups(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := newDirectory(t, s)
	boolIs := func(name string, v bool) store.Compare {
		return store.Compare{Field: store.Column(name, store.TypeBool), Op: store.Eq, Value: store.Bool(v)}
	}
	for _, tc := range []struct {
		name   string
		q      store.DirectoryQuery
		filter store.Cond
		want   []store.Group
	}{
		{"tenant", store.DirectoryQuery{TenantID: d.tenant}, nil, d.groups},
		{"other tenant", store.DirectoryQuery{TenantID: d.other}, nil, []store.Group{d.otherRetail}},
		{"display name", store.DirectoryQuery{TenantID: d.tenant}, colEq("display_name", "Retail"), []store.Group{d.retail}},
		{"security enabled", store.DirectoryQuery{TenantID: d.tenant}, store.And{boolIs("security_enabled", true), boolIs("mail_enabled", false)}, []store.Group{d.admins}},
		{"mail nickname prefix", store.DirectoryQuery{TenantID: d.tenant}, store.Match{Field: col("mail_nickname"), Kind: store.Prefix, Text: "s"}, []store.Group{d.sales}},
		{"visibility", store.DirectoryQuery{TenantID: d.tenant}, colEq("visibility", string(store.VisibilityPrivate)), d.groups},
		{"ids", store.DirectoryQuery{TenantID: d.tenant, IDs: []string{d.sales.ID, d.otherRetail.ID, newID()}}, nil, []store.Group{d.sales}},
		{"ids and where", store.DirectoryQuery{TenantID: d.tenant, IDs: []string{d.sales.ID, d.admins.ID}},
			store.Or{colEq("display_name", "Retail"), colEq("display_name", "Admins")}, []store.Group{d.admins}},
	} {
		tc.q.Filter, tc.q.Count = tc.filter, true
		got, n, err := s.QueryGroups(ctx, tc.q)
		must(t, err)
		check(t, tc.name, got, groupsByID(tc.want...))
		if n != len(tc.want) {
			t.Errorf("%s: count %d, want %d", tc.name, n, len(tc.want))
		}
	}

	got, _, err := s.QueryGroups(ctx, store.DirectoryQuery{TenantID: d.tenant, Order: []store.Order{foldDesc(col("display_name"))}})
	must(t, err)
	check(t, "groups by display name, descending", got, []store.Group{d.sales, d.retail, d.admins})

	page, n, err := s.QueryGroups(ctx, store.DirectoryQuery{TenantID: d.tenant, Order: []store.Order{foldAsc(col("display_name"))}, Limit: 1, Offset: 1, Count: true})
	must(t, err)
	check(t, "second group by name", page, []store.Group{d.retail})
	if n != len(d.groups) {
		t.Errorf("count = %d, want %d", n, len(d.groups))
	}
	_, n, err = s.QueryGroups(ctx, store.DirectoryQuery{TenantID: d.tenant, Limit: 1})
	must(t, err)
	if n != -1 {
		t.Errorf("count without Count = %d, want -1", n)
	}
}
