package exchange

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// People: GET /me/people and /users/{id}/people, the people most relevant
// to a user, derived from the user's own data when asked (nothing is
// stored). graphgate's relevance ranking, documented because Microsoft's is
// not:
//
//   - Mail, the user's 500 most recent messages: each recipient of a
//     message the user sent scores 5, the sender of a message the user
//     received scores 2, and each other recipient of a received message
//     scores 0.5. Each of these decays with the message's age, halving every
//     30 days.
//   - Contacts: every person in the user's contacts scores 4.
//   - Directory: the user's manager scores 6, each direct report 5, each
//     colleague of the same department 2 (at most 50).
//   - Groups: each Microsoft 365 group the user is a member of scores 1.5,
//     and every other member of a group the user is in (of groups of at
//     most 100 members) scores 1 per group shared.
//
// Scores of the same person (one email address, or one directory user)
// add up. People are ordered by score, highest first, then by display
// name; relevanceScore is the score times ten, rounded to one decimal. The
// user is never among their own people. A person who is a directory user
// has the user's id and directory properties (personType
// Person/OrganizationUser); one known only from contacts is
// Person/PersonalContact, one known only from mail Person/ImplicitContact,
// a group Group/UnifiedGroup; their ids are stable per user.
//
// $search="term" keeps people with a name word or an address starting with
// the term (case-insensitive); $filter, $orderby, $select, $top, $skip and
// $count apply to the ranked list. As Graph documents, $skip cannot be
// combined with $search, and $search applies only to the signed-in user's
// own people (/me/people or their own /users/{id}/people).

var personSelectable = graph.Selectable(model.Person{})

// Relevance weights (see the top of the file).
const (
	peopleMessages     = 500
	peopleHalfLifeDays = 30.0
	weightSentTo       = 5
	weightReceivedFrom = 2
	weightCoRecipient  = 0.5
	weightContact      = 4
	weightManager      = 6
	weightReport       = 5
	weightColleague    = 2
	weightGroup        = 1.5
	weightGroupPeer    = 1
	maxGroupPeers      = 100
	maxColleagues      = 50
)

// candidate is a person being ranked.
type candidate struct {
	doc    model.Person
	score  float64
	user   bool // a directory user
	source int  // 0 mail, 1 contact, 2 directory or group
}

var _ = declare(graph.WorkloadExchange, graph.Twins(graph.Endpoint{Method: "GET", Template: "/people", Handler: handle(server.listPeople),
	Entity: graph.Entity{Context: "users('{owner}')/people"}})...)

// ranker collects the people of one user.
type ranker struct {
	s       server
	c       *graph.Call
	owner   *store.User
	ownAddr map[string]bool
	byKey   map[string]*candidate
	users   map[string]*store.User // address → directory user (nil: none)
}

func (s server) listPeople(c *graph.Call) error {
	if c.TargetUser == nil {
		return graph.ErrMailboxNotFound(c.Param(0))
	}
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	if q.Options().Search != nil && q.Options().Skip != nil {
		return graph.ErrBadRequest("$skip is not supported with $search.")
	}
	// Microsoft documents $search as working only on the signed-in user's
	// relevant people, not on people relevant to other users (so never
	// app-only); graphgate refuses it instead of answering a made-up list.
	if q.Options().Search != nil && (c.Caller == nil || c.Caller.ID != c.TargetUser.ID) {
		return graph.ErrBadRequest("$search is supported only for the signed-in user's relevant people (/me/people), not for people relevant to other users.")
	}
	if err := graph.CheckSelect(q.Options().Select, personSelectable, "microsoft.graph.person", odata.Exchange); err != nil {
		return err
	}
	rk := &ranker{s: s, c: c, owner: c.TargetUser, ownAddr: map[string]bool{}, byKey: map[string]*candidate{}, users: map[string]*store.User{}}
	for _, a := range []string{c.TargetUser.Mail, c.TargetUser.UserPrincipalName} {
		if a != "" {
			rk.ownAddr[strings.ToLower(a)] = true
		}
	}
	if err := rk.fromMail(); err != nil {
		return err
	}
	if err := rk.fromContacts(); err != nil {
		return err
	}
	if err := rk.fromDirectory(); err != nil {
		return err
	}
	if err := rk.fromGroups(); err != nil {
		return err
	}
	people := rk.ranked()

	// $search, then $filter, $orderby and the page.
	var kept []map[string]any
	var docs []model.Person
	for _, p := range people {
		if q.Options().Search != nil && !personMatches(p, q.Options().Search) {
			continue
		}
		var row map[string]any
		if err := json.Unmarshal(model.EncodeDoc(p), &row); err != nil {
			return graph.AsError(err)
		}
		if q.Options().Filter != nil {
			ok, err := odata.EvalWith(q.Options().Filter, odata.Row(row), odata.EvalOptions{Flavor: odata.Exchange})
			if err != nil {
				return graph.AsError(err)
			}
			if !ok {
				continue
			}
		}
		kept = append(kept, row)
		docs = append(docs, p)
	}
	if len(q.Options().OrderBy) > 0 {
		idx := make([]int, len(kept))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			for _, o := range q.Options().OrderBy {
				va, _ := odata.Row(kept[idx[a]]).Resolve(strings.Split(o.Property, "/"))
				vb, _ := odata.Row(kept[idx[b]]).Resolve(strings.Split(o.Property, "/"))
				c := compareAny(va, vb)
				if c == 0 {
					continue
				}
				if o.Desc {
					return c > 0
				}
				return c < 0
			}
			return false
		})
		sorted := make([]model.Person, len(idx))
		for i, j := range idx {
			sorted[i] = docs[j]
		}
		docs = sorted
	}
	total := len(docs)
	start := min(q.Skip(), total)
	end := min(start+q.Top(), total)
	vals := make([]json.RawMessage, 0, end-start)
	for _, p := range docs[start:end] {
		b, err := graph.Project(model.EncodeDoc(p), q.Options().Select, nil, nil)
		if err != nil {
			return graph.AsError(err)
		}
		vals = append(vals, b)
	}
	return c.WritePage(c.ContextURL(), q, vals, total, end < total)
}

// compareAny orders two JSON values: nulls first, then numbers, booleans
// and strings (ignoring case).
func compareAny(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(strings.ToLower(x), strings.ToLower(y))
		}
	}
	return 0
}

// personMatches applies $search: every term of one group must match the
// start of a name word or of an email address.
func personMatches(p model.Person, s *odata.Search) bool {
	var words []string
	for _, n := range []string{p.DisplayName, derefStr(p.GivenName), derefStr(p.Surname)} {
		words = append(words, strings.Fields(strings.ToLower(n))...)
	}
	for _, a := range p.ScoredEmailAddresses {
		words = append(words, strings.ToLower(a.Address))
	}
	if p.UserPrincipalName != "" {
		words = append(words, strings.ToLower(p.UserPrincipalName))
	}
	for _, g := range s.Groups {
		all := true
		for _, t := range g {
			v := strings.ToLower(strings.TrimSpace(t.Value))
			hit := v == ""
			for _, w := range words {
				if strings.HasPrefix(w, v) {
					hit = true
					break
				}
			}
			if hit == t.Not {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func derefStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// personID is a stable GUID-shaped id for a person who is not a directory
// object, per owner.
func personID(owner, key string) string {
	h := sha256.Sum256([]byte(owner + "/people/" + key))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// user resolves an address to a directory user of the tenant (cached).
func (rk *ranker) user(addr string) (*store.User, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if u, ok := rk.users[addr]; ok {
		return u, nil
	}
	var out *store.User
	u, err := rk.s.Store().UserByUPN(rk.c.Context(), addr)
	switch {
	case err == nil && u.TenantID == rk.c.TenantID:
		out = &u
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return nil, graph.AsError(err)
	}
	rk.users[addr] = out
	return out, nil
}

// add scores the person with an address (and a name, when known).
func (rk *ranker) add(addr, name string, score float64, source int) (*candidate, error) {
	addr = strings.TrimSpace(addr)
	la := strings.ToLower(addr)
	if la == "" || rk.ownAddr[la] {
		return nil, nil
	}
	u, err := rk.user(la)
	if err != nil {
		return nil, err
	}
	if u != nil {
		if u.ID == rk.owner.ID {
			return nil, nil
		}
		return rk.addUser(u, score), nil
	}
	cd := rk.byKey[la]
	if cd == nil {
		if name == "" {
			name = addr
		}
		cd = &candidate{source: source, doc: model.Person{ID: personID(rk.owner.ID, la), DisplayName: name,
			ScoredEmailAddresses: []model.ScoredEmailAddress{{Address: addr, SelectionLikelihood: "notSpecified"}},
			PersonType:           model.PersonType{Class: "Person", Subclass: "ImplicitContact"}}}
		rk.byKey[la] = cd
	}
	if source > cd.source {
		cd.source = source
	}
	if cd.doc.DisplayName == addr && name != "" {
		cd.doc.DisplayName = name
	}
	cd.score += score
	return cd, nil
}

// addUser scores a directory user.
func (rk *ranker) addUser(u *store.User, score float64) *candidate {
	key := "user:" + u.ID
	cd := rk.byKey[key]
	if cd == nil {
		addr := u.Mail
		if addr == "" {
			addr = u.UserPrincipalName
		}
		cd = &candidate{user: true, source: 2, doc: model.Person{ID: u.ID, DisplayName: u.DisplayName, GivenName: optStr(u.GivenName),
			Surname: optStr(u.Surname), JobTitle: optStr(u.JobTitle), Department: optStr(u.Department), OfficeLocation: optStr(u.OfficeLocation),
			UserPrincipalName: u.UserPrincipalName, ImAddress: optStr("sip:" + strings.ToLower(u.UserPrincipalName)),
			ScoredEmailAddresses: []model.ScoredEmailAddress{{Address: addr, SelectionLikelihood: "notSpecified"}},
			PersonType:           model.PersonType{Class: "Person", Subclass: "OrganizationUser"}}}
		for _, p := range u.BusinessPhones {
			cd.doc.Phones = append(cd.doc.Phones, model.PersonPhone{Type: "business", Number: p})
		}
		if u.MobilePhone != "" {
			cd.doc.Phones = append(cd.doc.Phones, model.PersonPhone{Type: "mobile", Number: u.MobilePhone})
		}
		rk.byKey[key] = cd
	}
	cd.score += score
	return cd
}

func (rk *ranker) fromMail() error {
	msgs, _, err := rk.s.Store().QueryItems(rk.c.Context(), store.ItemQuery{TenantID: rk.c.TenantID, Kind: model.KindMessage, OwnerID: rk.owner.ID,
		Order: graph.ByDoc("receivedDateTime", store.TypeTime, true), Limit: peopleMessages})
	if err != nil {
		return graph.AsError(err)
	}
	now := rk.s.Now()
	sent := model.FolderID(rk.owner.ID, "sentitems")
	drafts := model.FolderID(rk.owner.ID, "drafts")
	for _, it := range msgs {
		if it.ParentID == drafts {
			continue
		}
		m, err := model.DecodeDoc[model.Message](it)
		if err != nil {
			continue
		}
		at, err := model.ParseStoredTime(m.ReceivedDateTime)
		if err != nil {
			at = it.CreatedAt
		}
		days := math.Max(0, now.Sub(at).Hours()/24)
		decay := math.Pow(0.5, days/peopleHalfLifeDays)
		recipients := append(append(append([]model.Recipient{}, m.ToRecipients...), m.CcRecipients...), m.BccRecipients...)
		fromOwner := m.From != nil && rk.ownAddr[strings.ToLower(m.From.EmailAddress.Address)]
		if it.ParentID == sent || fromOwner {
			for _, r := range recipients {
				if _, err := rk.add(r.EmailAddress.Address, r.EmailAddress.Name, weightSentTo*decay, 0); err != nil {
					return err
				}
			}
			continue
		}
		if m.From != nil {
			if _, err := rk.add(m.From.EmailAddress.Address, m.From.EmailAddress.Name, weightReceivedFrom*decay, 0); err != nil {
				return err
			}
		}
		for _, r := range recipients {
			if _, err := rk.add(r.EmailAddress.Address, r.EmailAddress.Name, weightCoRecipient*decay, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func (rk *ranker) fromContacts() error {
	items, _, err := rk.s.Store().QueryItems(rk.c.Context(), store.ItemQuery{TenantID: rk.c.TenantID, Kind: model.KindContact, OwnerID: rk.owner.ID, Limit: 1000})
	if err != nil {
		return graph.AsError(err)
	}
	for _, it := range items {
		ct, err := model.DecodeDoc[model.Contact](it)
		if err != nil {
			continue
		}
		var cd *candidate
		for i, e := range ct.EmailAddresses {
			w := 0.0
			if i == 0 {
				w = weightContact
			}
			got, err := rk.add(e.Address, ct.DisplayName, w, 1)
			if err != nil {
				return err
			}
			if cd == nil {
				cd = got
			}
		}
		if len(ct.EmailAddresses) == 0 {
			key := "contact:" + it.ID
			cd = &candidate{source: 1, doc: model.Person{ID: personID(rk.owner.ID, key), DisplayName: ct.DisplayName,
				ScoredEmailAddresses: []model.ScoredEmailAddress{}}}
			cd.score = weightContact
			rk.byKey[key] = cd
		}
		if cd == nil || cd.user {
			continue
		}
		// A personal contact: its own properties.
		p := &cd.doc
		p.PersonType = model.PersonType{Class: "Person", Subclass: "PersonalContact"}
		p.GivenName, p.Surname, p.JobTitle, p.CompanyName, p.Department, p.OfficeLocation = ct.GivenName, ct.Surname, ct.JobTitle, ct.CompanyName, ct.Department, ct.OfficeLocation
		if ct.DisplayName != "" {
			p.DisplayName = ct.DisplayName
		}
		p.PersonNotes = ct.PersonalNotes
		p.Profession = derefStr(ct.Profession)
		if ct.Birthday != nil {
			p.Birthday = *ct.Birthday
		}
		p.Phones = nil
		for _, n := range ct.BusinessPhones {
			p.Phones = append(p.Phones, model.PersonPhone{Type: "business", Number: n})
		}
		for _, n := range ct.HomePhones {
			p.Phones = append(p.Phones, model.PersonPhone{Type: "home", Number: n})
		}
		if ct.MobilePhone != nil {
			p.Phones = append(p.Phones, model.PersonPhone{Type: "mobile", Number: *ct.MobilePhone})
		}
		for i, e := range ct.EmailAddresses {
			if i > 0 && !hasAddress(p.ScoredEmailAddresses, e.Address) {
				p.ScoredEmailAddresses = append(p.ScoredEmailAddresses, model.ScoredEmailAddress{Address: e.Address, SelectionLikelihood: "notSpecified"})
			}
		}
	}
	return nil
}

func hasAddress(list []model.ScoredEmailAddress, addr string) bool {
	for _, a := range list {
		if strings.EqualFold(a.Address, addr) {
			return true
		}
	}
	return false
}

func (rk *ranker) fromDirectory() error {
	ctx, o := rk.c.Context(), rk.owner
	if o.ManagerID != "" {
		m, err := rk.s.Store().GetUser(ctx, rk.c.TenantID, o.ManagerID)
		if err == nil {
			rk.addUser(&m, weightManager)
		} else if !errors.Is(err, store.ErrNotFound) {
			return graph.AsError(err)
		}
	}
	column := func(name, v string) store.Cond {
		return store.Compare{Field: store.Column(name, store.TypeString), Op: store.Eq, Value: store.String(v)}
	}
	reports, _, err := rk.s.Store().QueryUsers(ctx, store.DirectoryQuery{TenantID: rk.c.TenantID, Filter: column("manager_id", o.ID), Limit: 200})
	if err != nil {
		return graph.AsError(err)
	}
	for i := range reports {
		rk.addUser(&reports[i], weightReport)
	}
	if o.Department != "" {
		peers, _, err := rk.s.Store().QueryUsers(ctx, store.DirectoryQuery{TenantID: rk.c.TenantID, Filter: column("department", o.Department),
			Limit: maxColleagues + 1})
		if err != nil {
			return graph.AsError(err)
		}
		for i := range peers {
			if peers[i].ID != o.ID {
				rk.addUser(&peers[i], weightColleague)
			}
		}
	}
	return nil
}

func (rk *ranker) fromGroups() error {
	ms, err := rk.s.Store().MemberOf(rk.c.Context(), rk.c.TenantID, rk.owner.ID, store.RoleMember)
	if err != nil {
		return graph.AsError(err)
	}
	for _, m := range ms {
		if m.ContainerKind != store.ContainerGroup {
			continue
		}
		g, err := rk.s.Store().GetGroup(rk.c.Context(), rk.c.TenantID, m.ContainerID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return graph.AsError(err)
		}
		peers, err := rk.s.Store().Members(rk.c.Context(), rk.c.TenantID, g.ID, store.RoleMember)
		if err != nil {
			return graph.AsError(err)
		}
		if len(peers) <= maxGroupPeers {
			for _, p := range peers {
				if p.MemberID == rk.owner.ID {
					continue
				}
				u, err := rk.s.Store().GetUser(rk.c.Context(), rk.c.TenantID, p.MemberID)
				if errors.Is(err, store.ErrNotFound) {
					continue // a nested group
				}
				if err != nil {
					return graph.AsError(err)
				}
				rk.addUser(&u, weightGroupPeer)
			}
		}
		unified := false
		for _, t := range g.GroupTypes {
			unified = unified || strings.EqualFold(t, "Unified")
		}
		if !unified || g.Mail == "" {
			continue
		}
		rk.byKey["group:"+g.ID] = &candidate{source: 2, score: weightGroup, doc: model.Person{ID: g.ID, DisplayName: g.DisplayName,
			ScoredEmailAddresses: []model.ScoredEmailAddress{{Address: g.Mail, SelectionLikelihood: "notSpecified"}},
			PersonType:           model.PersonType{Class: "Group", Subclass: "UnifiedGroup"}}}
	}
	return nil
}

// ranked orders the candidates and finishes their documents.
func (rk *ranker) ranked() []model.Person {
	list := make([]*candidate, 0, len(rk.byKey))
	for _, cd := range rk.byKey {
		if cd.score <= 0 {
			continue
		}
		list = append(list, cd)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if c := strings.Compare(strings.ToLower(a.doc.DisplayName), strings.ToLower(b.doc.DisplayName)); c != 0 {
			return c < 0
		}
		return a.doc.ID < b.doc.ID
	})
	out := make([]model.Person, len(list))
	for i, cd := range list {
		p := cd.doc
		score := math.Round(cd.score*100) / 10
		for k := range p.ScoredEmailAddresses {
			p.ScoredEmailAddresses[k].RelevanceScore = score
		}
		if p.Phones == nil {
			p.Phones = []model.PersonPhone{}
		}
		if p.ScoredEmailAddresses == nil {
			p.ScoredEmailAddresses = []model.ScoredEmailAddress{}
		}
		p.PostalAddresses, p.Websites = []json.RawMessage{}, []json.RawMessage{}
		out[i] = p
	}
	return out
}
