package authz

// Detail is a decision's full reasoning as data: everything the
// x-graphgate-decision header says and what it leaves out (the rule, every
// candidate, the relation and its facts, the account, the token's
// permissions). `graphgate explain` prints it, and the decision log keeps
// it as JSON so that `graphgate explain --request-id` can print it for a
// recorded request. The JSON names are stable.
type Detail struct {
	Allow  bool   `json:"allow"`
	Reason string `json:"reason"`
	// Check names the engine's check that decided (route, app_only_me,
	// scheme, own_data, permission, relation, guest_enumeration, role,
	// member_of, hidden_membership).
	Check       string `json:"check"`
	Status      int    `json:"status"`
	Explanation string `json:"explanation"`
	// Summary is the x-graphgate-decision header's value.
	Summary string `json:"summary"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Scheme  string `json:"scheme"`
	// Account is the signed-in user's account type ("" for app-only).
	Account     string `json:"account,omitempty"`
	Route       string `json:"route,omitempty"`
	RouteSource string `json:"routeSource,omitempty"`
	MeFallback  bool   `json:"meFallback,omitempty"`
	// Held are the token's permissions (scopes or roles).
	Held    []string `json:"held"`
	Granted string   `json:"grantedBy,omitempty"`
	// Via is the held permission that includes Granted, when the token
	// does not hold Granted itself.
	Via        string   `json:"via,omitempty"`
	Candidates []string `json:"wouldAllow"`
	Least      []string `json:"leastPrivileged,omitempty"`
	AlsoOneOf  []string `json:"alsoNeedsOneOf,omitempty"`
	UserRoles  []string `json:"userNeedsOneOfRoles,omitempty"`
	Sharing    string   `json:"ownerMustShare,omitempty"`
	// PolicyRule names the role rule that decided, if one did.
	PolicyRule string `json:"policyRule,omitempty"`
	// Relation is what the deciding permission needs between the signed-in
	// user and the target's data (directory, shared, member, owner, role),
	// Fact the fact that allowed the call or is missing, Resource the data
	// the sharing is about.
	Relation string `json:"relation,omitempty"`
	Fact     string `json:"fact,omitempty"`
	Resource string `json:"resource,omitempty"`
	// ItemsOnly: the call reaches only the drive items shared with the user.
	ItemsOnly bool   `json:"sharedItemsOnly,omitempty"`
	Limit     string `json:"limit,omitempty"`
	Note      string `json:"note,omitempty"`
	// Caller and Target are the facts the engine read: the signed-in
	// user's roles and guest status, and the target's relation to them.
	Caller *CallerFacts `json:"caller,omitempty"`
	Target TargetFacts  `json:"target"`
}

// CallerFacts are the facts about the signed-in user a decision read.
type CallerFacts struct {
	Roles []string `json:"roles,omitempty"`
	Guest bool     `json:"guest,omitempty"`
}

// TargetFacts are the facts about the call's target a decision read.
type TargetFacts struct {
	Relation         string `json:"relation"`
	Access           string `json:"access,omitempty"`
	Member           bool   `json:"member,omitempty"`
	Owner            bool   `json:"owner,omitempty"`
	Public           bool   `json:"public,omitempty"`
	HiddenMembership bool   `json:"hiddenMembership,omitempty"`
	InRoleOrAU       bool   `json:"inRoleOrAU,omitempty"`
}

// Detail renders the decision's full reasoning; path is the path as
// requested. It allocates: call it off the request path.
func (d *Decision) Detail(path string) Detail {
	explanation := d.Explain()
	o := Detail{Allow: d.Allow, Reason: d.Reason.String(), Check: d.Check.String(), Status: d.Status, Explanation: explanation,
		Summary: Summary(d.Reason.String(), d.Check.String(), explanation), Method: d.Method.String(), Path: path, Scheme: d.Scheme.String(), MeFallback: d.Match.MeFallback,
		Candidates: d.CandidateNames(), Note: d.Note(), PolicyRule: d.Rule, Relation: d.Relation.String(), Fact: d.Fact.String(),
		Resource: d.Resource, ItemsOnly: d.SharedItemsOnly(), Held: []string{}}
	if d.Match.Route != nil {
		o.Route, o.RouteSource = d.Match.Route.Template, d.Match.Route.Source
	}
	if d.Granted != nil {
		o.Granted = d.Granted.Name
	}
	if d.Via != nil {
		o.Via = d.Via.Name
	}
	for _, e := range d.Candidates {
		if e.Least {
			o.Least = append(o.Least, e.Perm.Name)
		}
	}
	for _, a := range d.Also {
		o.AlsoOneOf = append(o.AlsoOneOf, a.Name)
	}
	for _, r := range d.Roles.Roles() {
		o.UserRoles = append(o.UserRoles, r.String())
	}
	if d.Need != 0 {
		o.Sharing = d.Need.String()
	}
	if d.Limit != LimitNone {
		o.Limit = d.Limit.String()
	}
	if p := d.principal; p != nil {
		if d.cat != nil {
			o.Held = p.Granted.Names(d.cat)
		}
		if p.Kind == Delegated {
			o.Account = p.Account.String()
			o.Caller = &CallerFacts{Guest: p.Guest}
			for _, r := range p.Roles.Roles() {
				o.Caller.Roles = append(o.Caller.Roles, r.String())
			}
		}
	}
	t := d.target
	o.Target = TargetFacts{Relation: t.Relation.String(), Member: t.Member, Owner: t.Owner, Public: t.Public,
		HiddenMembership: t.HiddenMembership, InRoleOrAU: t.InRoleOrAU}
	if t.Access != 0 {
		o.Target.Access = t.Access.String()
	}
	return o
}

// Summary is the x-graphgate-decision header's value (Detail.Summary) of a
// decision with this reason, check and explanation.
func Summary(reason, check, explanation string) string {
	return reason + "; check=" + check + "; " + explanation
}

// HeldNames lists the permissions the decision's token held.
func (d *Decision) HeldNames() []string {
	if d.principal == nil || d.cat == nil {
		return nil
	}
	return d.principal.Granted.Names(d.cat)
}

// ParseFact is the Fact a name (Fact.String) stands for, FactNone if none.
func ParseFact(s string) Fact {
	for i, n := range factNames {
		if n == s {
			return Fact(i)
		}
	}
	return FactNone
}

// ParseReach is the Reach a name (Reach.String) stands for, ReachNone if
// none.
func ParseReach(s string) Reach {
	for i, n := range reachNames {
		if n == s {
			return Reach(i)
		}
	}
	return ReachNone
}
