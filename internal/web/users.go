package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/directory"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// Bounds on the work of one page: lists show at most pageSize rows and a
// search reads at most maxScan objects (then says to narrow it).
const (
	pageSize = 100
	maxScan  = 5000
)

type overviewData struct {
	Users, Groups, Apps, Enterprise int
	UsersMore, GroupsMore           bool
	Tenant                          store.Tenant
}

func (s *Server) handleOverview(c *creq) {
	ctx := c.r.Context()
	tid := c.tenant.ID
	us, err := s.d.Store.ListUsers(ctx, tid, "", maxScan+1)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	gs, err := s.d.Store.ListGroups(ctx, tid, "", maxScan+1)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	as, err := s.d.Store.ListApps(ctx, tid)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	sps, err := s.d.Store.ListServicePrincipals(ctx, tid)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	d := overviewData{Users: min(len(us), maxScan), UsersMore: len(us) > maxScan, Groups: min(len(gs), maxScan), GroupsMore: len(gs) > maxScan,
		Apps: len(as), Enterprise: len(sps), Tenant: c.tenant}
	s.show(c, http.StatusOK, "overview", c.tenant.DisplayName+" – overview", "overview", d, "", "")
}

type usersData struct {
	Query, After, Next string
	Users              []store.User
	Truncated          bool
	Domains            []string
	Form               newUserForm
	NewPassword        string
	NewUser            string
}

type newUserForm struct{ DisplayName, Alias, Domain, Guest, Kind string }

// handleUsers lists (and searches) the tenant's users and creates one.
func (s *Server) handleUsers(c *creq) {
	d := usersData{Query: strings.TrimSpace(c.r.FormValue("q")), After: c.r.FormValue("after"), Domains: c.tenant.Domains}
	status, notice, errMsg := http.StatusOK, "", ""
	if c.r.Method == http.MethodPost {
		f := newUserForm{DisplayName: strings.TrimSpace(c.r.PostFormValue("displayName")), Alias: strings.TrimSpace(c.r.PostFormValue("alias")),
			Domain: c.r.PostFormValue("domain"), Guest: strings.TrimSpace(c.r.PostFormValue("guestEmail")), Kind: c.r.PostFormValue("kind")}
		u, pw, err := s.createUser(c, f)
		if err != nil {
			status, errMsg = s.failure(c, err)
			d.Form = f
		} else {
			notice, d.NewPassword, d.NewUser = "Created "+u.UserPrincipalName+".", pw, u.UserPrincipalName
		}
	}
	if err := s.listUsers(c, &d); err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	s.show(c, status, "users", "Users", "users", d, notice, errMsg)
}

func (s *Server) createUser(c *creq, f newUserForm) (store.User, string, error) {
	nu := directory.NewUser{User: store.User{TenantID: c.tenant.ID, DisplayName: f.DisplayName, AccountEnabled: true}}
	switch f.Kind {
	case "guest":
		nu.Kind = store.UserGuest
		nu.UserPrincipalName = f.Guest
	case "member", "":
		nu.Kind = store.UserMember
		if f.Alias == "" || strings.Contains(f.Alias, "@") {
			return store.User{}, "", &directory.ValidationError{Field: "userPrincipalName", Reason: "the user name is the part before the @, without it"}
		}
		nu.UserPrincipalName = f.Alias + "@" + f.Domain
	default:
		return store.User{}, "", &directory.ValidationError{Field: "kind", Reason: "a new user is a member or a guest"}
	}
	if f.DisplayName == "" {
		return store.User{}, "", &directory.ValidationError{Field: "displayName", Reason: "a user needs a display name"}
	}
	nu.Password = newPassword()
	u, err := s.d.Dir.CreateUser(c.r.Context(), nu)
	return u, nu.Password, err
}

// newPassword is a random temporary password that meets Entra's policy
// (upper and lower case letters, digits and a symbol from the prefix), as
// the portal's "auto-generate password".
func newPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Gg-" + base64.RawURLEncoding.EncodeToString(b) + "7a"
}

// listUsers fills a page of users: from After in id order, or the first
// pageSize matches of Query (display name, user principal name or mail,
// case-insensitive) among at most maxScan users.
func (s *Server) listUsers(c *creq, d *usersData) error {
	ctx := c.r.Context()
	if d.Query == "" {
		us, err := s.d.Store.ListUsers(ctx, c.tenant.ID, d.After, pageSize+1)
		if err != nil {
			return err
		}
		if len(us) > pageSize {
			us, d.Next = us[:pageSize], us[pageSize-1].ID
		}
		d.Users = us
		return nil
	}
	q := strings.ToLower(d.Query)
	after, scanned := "", 0
	for scanned < maxScan && len(d.Users) < pageSize {
		us, err := s.d.Store.ListUsers(ctx, c.tenant.ID, after, 500)
		if err != nil {
			return err
		}
		for _, u := range us {
			if strings.Contains(strings.ToLower(u.DisplayName), q) || strings.Contains(strings.ToLower(u.UserPrincipalName), q) ||
				strings.Contains(strings.ToLower(u.Mail), q) {
				d.Users = append(d.Users, u)
			}
		}
		scanned += len(us)
		if len(us) < 500 {
			return nil
		}
		after = us[len(us)-1].ID
	}
	d.Truncated = true
	return nil
}

type roleRow struct {
	Role      roles.Role
	Name, Key string
	Held      bool
}

type userData struct {
	User store.User
	// UserType is Graph's name of the user's kind (Member, Guest) and
	// Convertible says whether it can change (not for shared mailboxes or
	// personal accounts).
	UserType    string
	Convertible bool
	Roles       []roleRow
	MayRoles    bool
	NewPassword string
	Groups      []store.Group
}

// handleUser shows a user and changes their roles, password and sign-in.
func (s *Server) handleUser(c *creq) {
	ctx := c.r.Context()
	id := c.r.PathValue("id")
	u, err := s.d.Store.GetUser(ctx, c.tenant.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(c, "The user "+id)
		return
	}
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	d := userData{User: u, MayRoles: c.may(authz.ConsoleRoles)}
	status, notice, errMsg := http.StatusOK, "", ""
	if c.r.Method == http.MethodPost {
		switch c.r.PostFormValue("action") {
		case "roles":
			if !d.MayRoles {
				s.forbidden(c, "Assigning directory roles needs one of these roles: "+authz.ConsoleRolesFor(authz.ConsoleRoles).String()+".",
					"graphgate user roles "+c.admin.UserPrincipalName+" --add privileged-role-admin")
				return
			}
			want := c.r.PostForm["role"]
			var add, remove []roles.Role
			for _, r := range roles.All() {
				held := slices.Contains(u.Roles, r.TemplateID())
				wanted := slices.Contains(want, r.TemplateID())
				switch {
				case wanted && !held:
					add = append(add, r)
				case held && !wanted:
					remove = append(remove, r)
				}
			}
			rc, err := s.d.Dir.SetRoles(ctx, c.tenant.ID, u.ID, add, remove)
			if err != nil {
				status, errMsg = s.failure(c, err)
			} else {
				u, notice = rc.User, "Saved the directory roles of "+u.UserPrincipalName+"."
			}
		case "password":
			pw := newPassword()
			n, err := s.d.Dir.SetPassword(ctx, c.tenant.ID, u.ID, pw)
			if err != nil {
				status, errMsg = s.failure(c, err)
			} else {
				d.NewPassword = pw
				notice = "Reset the password of " + u.UserPrincipalName + " and signed them out of every app (" + strconv.Itoa(n) + " refresh tokens revoked)."
			}
		case "convert":
			// Entra's admin center asks before converting; the form carries
			// the kind asked for and the confirmation, and a POST without
			// them changes nothing.
			var kind store.UserKind
			switch c.r.PostFormValue("userType") {
			case "member":
				kind = store.UserMember
			case "guest":
				kind = store.UserGuest
			default:
				status, errMsg = http.StatusBadRequest, "Choose Member or Guest; nothing was changed."
			}
			if kind != "" && c.r.PostFormValue("confirm") != "yes" {
				status, errMsg, kind = http.StatusBadRequest, "Confirm the conversion (tick the box); nothing was changed.", ""
			}
			if kind == "" {
				break
			}
			res, err := s.d.Dir.SetUserType(ctx, c.tenant.ID, u.ID, kind)
			switch {
			case err != nil:
				status, errMsg = s.failure(c, err)
			case !res.Changed:
				u, notice = res.User, u.UserPrincipalName+" is a "+string(kind)+" already; nothing was changed."
			default:
				u, notice = res.User, "Converted "+u.UserPrincipalName+" to a "+string(kind)+
					". The user principal name is unchanged; tokens issued from their next sign-in carry the new user type."
			}
		case "enable", "disable":
			on := c.r.PostFormValue("action") == "enable"
			nu, err := s.d.Dir.UpdateUser(ctx, c.tenant.ID, u.ID, directory.UserChanges{AccountEnabled: &on})
			if err != nil {
				status, errMsg = s.failure(c, err)
			} else {
				u, notice = nu, "Sign-in is "+map[bool]string{true: "allowed", false: "blocked"}[on]+" for "+u.UserPrincipalName+"."
			}
		default:
			status, errMsg = http.StatusBadRequest, "Unknown action; nothing was changed."
		}
	}
	d.User = u
	d.Convertible = u.Kind == store.UserMember || u.Kind == store.UserGuest
	d.UserType = map[store.UserKind]string{store.UserMember: "Member", store.UserGuest: "Guest",
		store.UserSharedMailbox: "Member (shared mailbox)", store.UserPersonal: "Personal account"}[u.Kind]
	for _, r := range roles.All() {
		d.Roles = append(d.Roles, roleRow{Role: r, Name: r.String(), Key: r.TemplateID(), Held: slices.Contains(u.Roles, r.TemplateID())})
	}
	ms, err := s.memberOf(c, u.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	d.Groups = ms
	s.show(c, status, "user", u.DisplayName, "users", d, notice, errMsg)
}

func (s *Server) memberOf(c *creq, userID string) ([]store.Group, error) {
	ms, err := s.d.Store.MemberOf(c.r.Context(), c.tenant.ID, userID, store.RoleMember)
	if err != nil {
		return nil, err
	}
	var out []store.Group
	for _, m := range ms {
		if m.ContainerKind != store.ContainerGroup {
			continue
		}
		g, err := s.d.Store.GetGroup(c.r.Context(), c.tenant.ID, m.ContainerID)
		if err == nil {
			out = append(out, g)
		}
	}
	return out, nil
}
