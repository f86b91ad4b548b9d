package authz

import (
	"net/http"
	"strings"

	"graphgate/internal/roles"
	"graphgate/internal/routes"
)

// Some properties of an object need more than the permission that lets a
// call change the object: Graph's PATCH /users/{id} accepts User.ReadWrite
// for the signed-in user's own profile, but a user's type (userType,
// Member or Guest) is changed only by an administrator of users. The
// route table has one rule per method and path, so these live here, as
// data, and the Graph server asks DecideProperties with the properties a
// request body sets; it never compares scopes or roles itself.

// propertyRule: setting Property (lower case) with Method on one of Paths
// needs one of Permissions held (or one including it) and, for a delegated
// token, a signed-in user holding one of AnyRole — for the user's own
// object too.
type propertyRule struct {
	id          string
	method      routes.Method
	paths       []string
	property    string
	permissions []string
	anyRole     roles.Set
	why         string
}

// propertyRules. userType: "Update user" lists User.ReadWrite.All and
// Directory.ReadWrite.All as what changes another user, and in delegated
// scenarios the signed-in user needs an administrator role; User
// Administrator is the least privileged role that manages users' types
// (the same role Microsoft names for convertExternalToInternalMemberUser,
// the beta action that turns an external user into an internal one).
// graphgate accepts a Global Administrator or a User Administrator, the
// roles its admin console lets manage users (console.go). A member cannot
// make themselves a guest, nor a guest a member, with User.ReadWrite.
var propertyRules = []propertyRule{
	{
		id:          "usertype-needs-user-admin",
		method:      routes.PATCH,
		paths:       []string{"/users/{id}", "/me"},
		property:    "usertype",
		permissions: []string{"User.ReadWrite.All", "Directory.ReadWrite.All"},
		anyRole:     roles.Of(roles.GlobalAdministrator, roles.UserAdministrator),
		why:         "a user's type (userType, Member or Guest) is changed only with User.ReadWrite.All or Directory.ReadWrite.All and, for a signed-in user, by a User Administrator or Global Administrator",
	},
}

// DecideProperties decides whether a call the engine allowed (d) may set
// the named properties (the names of the request body's members, any
// case). It returns d when it may, and otherwise a denial built from d:
// MissingPermission (Candidates name the permissions that would do) or,
// for a delegated token, UserLacksRole (Roles name the roles that would
// do), with Check CheckProperty and Rule the property rule's id. A denied
// d is returned as it is.
func (e *Engine) DecideProperties(d Decision, props ...string) Decision {
	if !d.Allow || d.principal == nil || d.Match.Rule == nil {
		return d
	}
	path := d.Match.Rule.Route.Path
	for i := range propertyRules {
		r := &propertyRules[i]
		if r.method != d.Method || !contains(r.paths, path) || !hasFold(props, r.property) {
			continue
		}
		p := d.principal
		held := p.Granted
		e.narrow(&held, d.Scheme)
		direct := held
		e.widen(&held, &direct, d.Scheme)
		var cands []routes.Entry
		ok := false
		for j, n := range r.permissions {
			perm, found := e.cat.Lookup(n)
			if !found || !perm.In(d.Scheme) {
				continue
			}
			cands = append(cands, routes.Entry{Perm: perm, Least: j == 0})
			ok = ok || held.Has(perm)
		}
		out := d
		out.Allow, out.Status, out.Check, out.Rule = false, http.StatusForbidden, CheckProperty, r.id
		switch {
		case !ok:
			out.Reason, out.Candidates, out.Granted, out.Via = MissingPermission, cands, nil, nil
			return out
		case p.Kind == Delegated && !r.anyRole.Intersects(p.Roles):
			out.Reason, out.Roles = UserLacksRole, r.anyRole
			for _, c := range cands {
				if held.Has(c.Perm) {
					out.Granted = c.Perm
				}
			}
			return out
		}
	}
	return d
}

func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
