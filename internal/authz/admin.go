package authz

import "graphgate/internal/roles"

// AdminAPIRole is the directory role a signed-in user needs to use
// graphgate's admin API (clock, faults, snapshots).
const AdminAPIRole = roles.GlobalAdministrator

// AdminAPI decides whether p may use graphgate's admin API, which changes
// the whole server (its clock, its injected faults). It answers with the
// reason to show when it refuses.
//
// Only a delegated token of a work account whose user holds Global
// Administrator is admitted: the admin API acts on the server as a tenant
// administrator would act on the tenant. Microsoft has no such API, so
// this is graphgate's choice; app-only tokens are refused (an app's
// application permissions are Microsoft's and none of them means "run the
// emulator"), as are personal accounts and guests.
func AdminAPI(p *Principal) (ok bool, why string) {
	switch {
	case p == nil:
		return false, "The admin API needs a bearer token."
	case p.Kind == App:
		return false, "The admin API needs a delegated token of a Global Administrator; an app-only token is refused."
	case p.Account == Personal:
		return false, "The admin API needs a delegated token of a Global Administrator; a personal Microsoft account holds no directory roles."
	case p.Guest:
		return false, "The admin API needs a delegated token of a Global Administrator of the tenant; the signed-in user is a guest."
	case !p.Roles.Has(AdminAPIRole):
		return false, "The admin API needs a delegated token of a Global Administrator; the signed-in user does not hold that role."
	}
	return true, ""
}
