package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/report"
	"graphgate/internal/roles"
	"graphgate/internal/routes"
	"graphgate/internal/store"
)

// explainOut is what explain prints: the decision's full reasoning.
type explainOut = authz.Detail

func explainCmd() *cobra.Command {
	var scopes, appRoles, userRoles, targetFlag, shared []string
	var app, personal, guest, member, owner, public, hidden, inRole, jsonOut bool
	var requestID, dataDir, storeURL string
	cmd := &cobra.Command{
		Use:   "explain [flags] METHOD PATH | explain --request-id ID",
		Short: "Decide whether a token may make a call, and say why",
		Long: `Decide a Graph call as graphgate's server would: the route table's accepted
permissions intersected with what the signed-in user may do (directory roles,
guest limits, sharing, group membership, hidden memberships, personal-account
validity). Prints allow or deny, the reason, the permissions that would allow
the call (least privileged first) and one sentence of explanation.

The token:
  --scopes "User.Read Mail.Read"   delegated permissions (scp)
  --app --roles "Mail.Read"        application permissions (roles), no user
  --personal                       the user has a personal Microsoft account
The signed-in user:
  --user-roles global-admin,security-reader   directory roles
  --guest                                      a guest (B2B) user
The target (inferred from the path when not given: /me is the user, /users/{id}
and /drives/{id} another user, /groups/{id}, /teams/{id} and /sites/{id} a
group, /chats/{id} a chat) and the facts about it. A delegated permission
reaches another user's or a group's data only through a relation — the owner
shared it, the user is a member or owner of the group, holds an administrator
role, or the data is directory data every member reads — and explain names
the relation the call needs and the fact that allowed it or is missing:
  --target self|other|shared-mailbox|group|chat|tenant
  --shared read,write,send     what the owner shared or delegated to the user
                               (for a drive: items shared, at these levels)
  --member, --owner            the user's membership of the group or chat
  --public                     the group is public (members of the
                               organization read its content)
  --hidden-membership          the group hides its members
  --in-role-or-au              the target user is in a directory role or AU

The engine asks its checks in this order, and the first that denies decides:
app_only_me, scheme, own_data, permission, relation, guest_enumeration, role,
member_of, hidden_membership. explain names the check that decided ("decided
by", and "check" in --json); the server sends the same in the
x-graphgate-decision header ("reason; check=name; explanation").

A recorded request: --request-id ID prints the full reasoning of a call the
server decided, from its decision log (the request-id or client-request-id
header of the response; 'graphgate log' lists them): the rule, every
permission that would allow it, the relation and the facts the engine read
(sharing, membership, roles), the account type and the token's permissions.
It reads the --data folder or --store the server uses.

Exit status: 0 allowed, 1 denied, 2 usage error, 3 unknown permission or path
(or no recorded request with that id), 4 the store cannot be read.`,
		Example: `  graphgate explain --scopes User.Read GET /users
  graphgate explain --app --roles Mail.Read GET /me
  graphgate explain --scopes Mail.Read.Shared --target other --shared read GET /users/megan@contoso.com/messages
  graphgate explain --scopes Notes.ReadWrite.All GET /users/megan@contoso.com/onenote/notebooks
  graphgate explain --scopes Notes.ReadWrite.All --member POST /groups/{id}/onenote/notebooks
  graphgate explain --scopes User.ReadWrite.All --user-roles global-admin PATCH /users/adele@contoso.com
  graphgate explain --request-id 5b0c2a9e-0f4e-4d43-9b1e-6a1d2c3b4a59`,
		Args: func(cmd *cobra.Command, args []string) error {
			if requestID != "" {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if requestID != "" {
				o := admOpts{data: dataDir, store: storeURL, json: jsonOut}
				return admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
					return explainRecorded(ctx, cmd, st, requestID, jsonOut)
				})(cmd, nil)
			}
			cat := catalog.Default()
			if len(appRoles) > 0 {
				app = true
			}
			if app && personal {
				return usageErr("--app and --personal exclude each other: an application token has no signed-in account")
			}
			p := &authz.Principal{Kind: authz.Delegated}
			if app {
				p.Kind = authz.App
			}
			if personal {
				p.Account = authz.Personal
			}
			p.Guest = guest
			for _, n := range splitList(append(append([]string{}, scopes...), appRoles...)) {
				perm, ok := cat.Lookup(n)
				if !ok {
					if _, err := cat.Resolve(n); err != nil {
						return notFound(err)
					}
					return notFound(fmt.Errorf("%q is the reference's name for a permission; tokens carry %s", n, mustResolve(cat, n)))
				}
				p.Granted.Add(perm)
			}
			for _, r := range splitList(userRoles) {
				role, err := roles.Parse(r)
				if err != nil {
					return usageErr("%v", err)
				}
				p.Roles = p.Roles.Add(role)
			}
			var t authz.Target
			if len(targetFlag) > 0 {
				rel, err := parseRelation(targetFlag[len(targetFlag)-1])
				if err != nil {
					return err
				}
				t.Relation = rel
			}
			for _, s := range splitList(shared) {
				switch strings.ToLower(s) {
				case "read":
					t.Access |= authz.AccessRead
				case "write", "edit":
					t.Access |= authz.AccessRead | authz.AccessWrite
				case "send":
					t.Access |= authz.AccessSend
				default:
					return usageErr("--shared takes read, write or send, not %q", s)
				}
			}
			if t.Access != 0 && t.Relation == authz.RelDefault {
				t.Relation = authz.RelOtherUser
			}
			t.Member, t.Owner, t.Public, t.HiddenMembership, t.InRoleOrAU = member || owner, owner, public, hidden, inRole

			d := authz.Default().Decide(p, args[0], args[1], t)
			switch d.Reason {
			case authz.BadRequest:
				return usageErr("%v", d.Err())
			case authz.NoRoute, authz.MethodNotAllowed:
				return notFound(d.Err())
			}
			o := d.Detail(args[1])
			out := cmd.OutOrStdout()
			if jsonOut {
				if err := writeJSON(out, o); err != nil {
					return err
				}
			} else if err := printDetail(out, o); err != nil {
				return err
			}
			if !d.Allow {
				return errNegative
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&scopes, "scopes", nil, "the token's delegated permissions, space- or comma-separated")
	f.StringSliceVar(&appRoles, "roles", nil, "the token's application permissions (implies --app)")
	f.BoolVar(&app, "app", false, "an app-only token (client credentials): no signed-in user")
	f.BoolVar(&personal, "personal", false, "the signed-in user has a personal Microsoft account")
	f.StringSliceVar(&userRoles, "user-roles", nil, "the signed-in user's directory roles, e.g. global-admin,security-reader")
	f.BoolVar(&guest, "guest", false, "the signed-in user is a guest")
	f.StringSliceVar(&targetFlag, "target", nil, "self, other, shared-mailbox, group, chat or tenant")
	f.StringSliceVar(&shared, "shared", nil, "what the target's owner shared with the user: read, write, send")
	f.BoolVar(&member, "member", false, "the user is a member of the target group or chat")
	f.BoolVar(&owner, "owner", false, "the user owns the target group")
	f.BoolVar(&public, "public", false, "the target group is public: any member of the organization reads its content")
	f.BoolVar(&hidden, "hidden-membership", false, "the target group hides its membership")
	f.BoolVar(&inRole, "in-role-or-au", false, "the target user is a member of a directory role or administrative unit")
	f.BoolVar(&jsonOut, "json", false, "print JSON")
	f.StringVar(&requestID, "request-id", "", "explain a recorded request: its request-id or client-request-id (see 'graphgate log')")
	dataFlag(cmd, &dataDir)
	storeFlag(cmd, &storeURL)
	return cmd
}

// recordedOut is what explain --request-id --json prints: the recorded
// request and the decision's full reasoning.
type recordedOut struct {
	logRow
	Decision authz.Detail `json:"decision"`
}

// explainRecorded prints the reasoning of a request in the decision log.
func explainRecorded(ctx context.Context, cmd *cobra.Command, st store.DecisionLog, id string, jsonOut bool) error {
	// A request may have two rows: an injected fault (latency alone) and
	// then the engine's decision; the decision is what explain explains.
	rows, err := st.ListDecisions(ctx, store.DecisionQuery{RequestID: id, Limit: 2, Newest: true})
	if err != nil {
		return admFail(err)
	}
	if len(rows) == 0 {
		return admNotFound("no decision recorded for request-id %s: 'graphgate log' lists those recorded (older ones are pruned; a server started with --decision-log=false records none)", id)
	}
	d := &rows[0]
	if d.Reason == report.FaultReason && len(rows) > 1 {
		d = &rows[1]
	}
	if d.Reason == report.FaultReason {
		return explainFault(cmd, d, jsonOut)
	}
	o := recordedOut{logRow: toLogRow(d)}
	if o.Decision, err = report.RecordedDetail(*d); err != nil {
		return admFail(fmt.Errorf("the recorded decision of %s cannot be read: %w", id, err))
	}
	out := cmd.OutOrStdout()
	if jsonOut {
		if err := writeJSON(out, o); err != nil {
			return err
		}
	} else {
		who := "app-only (no signed-in user)"
		if d.UserUPN != "" {
			who = d.UserUPN + " (" + d.UserID + ")"
		}
		fmt.Fprintf(out, "Request %s at %s\n  app %s (%s), %s\n", d.RequestID, d.Time.UTC().Format(time.RFC3339), or(d.AppName, "-"), d.AppID, who)
		if n := d.Count(); n > 1 {
			fmt.Fprintf(out, "  one of %d identical allowed requests the log keeps as one row (seq %d, the last at %s)\n", n, d.Seq,
				d.Last().UTC().Format(time.RFC3339))
		}
		fmt.Fprintln(out)
		err := printDetailWith(out, o.Decision, func(tw io.Writer) {
			fmt.Fprintf(tw, "  token held\t%s\n", or(strings.Join(o.Decision.Held, " "), "nothing"))
			if o.Decision.Via != "" {
				fmt.Fprintf(tw, "  granted through\t%s (includes %s)\n", o.Decision.Via, o.Decision.Granted)
			}
			if o.Decision.Account != "" {
				fmt.Fprintf(tw, "  account\t%s\n", o.Decision.Account)
			}
			if c := o.Decision.Caller; c != nil && (len(c.Roles) > 0 || c.Guest) {
				facts := strings.Join(c.Roles, ", ")
				if c.Guest {
					facts = strings.TrimPrefix(facts+", guest", ", ")
				}
				fmt.Fprintf(tw, "  signed-in user\t%s\n", facts)
			}
			fmt.Fprintf(tw, "  target\t%s\n", targetText(o.Decision.Target))
			if o.Decision.PolicyRule != "" {
				fmt.Fprintf(tw, "  policy rule\t%s\n", o.Decision.PolicyRule)
			}
		})
		if err != nil {
			return err
		}
	}
	if !d.Allowed {
		return errNegative
	}
	return nil
}

// targetText says what the engine knew about a call's target.
func targetText(t authz.TargetFacts) string {
	s := t.Relation
	var facts []string
	if t.Access != "" {
		facts = append(facts, "shared with the user: "+t.Access)
	}
	for _, f := range []struct {
		on   bool
		text string
	}{{t.Member, "the user is a member"}, {t.Owner, "the user is an owner"}, {t.Public, "public"},
		{t.HiddenMembership, "hidden membership"}, {t.InRoleOrAU, "in a directory role or administrative unit"}} {
		if f.on {
			facts = append(facts, f.text)
		}
	}
	if len(facts) > 0 {
		s += " (" + strings.Join(facts, "; ") + ")"
	}
	return s
}

// printDetail prints a decision's reasoning as explain's table.
func printDetail(out io.Writer, o authz.Detail) error { return printDetailWith(out, o, nil) }

// printDetailWith is printDetail with more rows (extra) in the same table.
func printDetailWith(out io.Writer, o authz.Detail, extra func(tw io.Writer)) error {
	verdict := "ALLOWED"
	if !o.Allow {
		verdict = "DENIED"
	}
	fmt.Fprintf(out, "%s  %s %s\n  %s\n\n", verdict, o.Method, o.Path, o.Explanation)
	tw := table(out)
	fmt.Fprintf(tw, "  reason\t%s (HTTP %d)\n", o.Reason, o.Status)
	fmt.Fprintf(tw, "  decided by\tthe %s check\n", o.Check)
	fmt.Fprintf(tw, "  scheme\t%s\n", o.Scheme)
	if o.Route != "" {
		src := ""
		if o.RouteSource != routes.SourceMicrosoft {
			src = " (" + o.RouteSource + ")"
		}
		fmt.Fprintf(tw, "  rule\t%s %s%s\n", o.Method, o.Route, src)
	}
	if o.Granted != "" && o.Allow {
		fmt.Fprintf(tw, "  allowed by\t%s\n", o.Granted)
	}
	if len(o.Candidates) > 0 {
		fmt.Fprintf(tw, "  would allow\t%s\n", strings.Join(o.Candidates, ", "))
	}
	if len(o.Least) > 0 {
		fmt.Fprintf(tw, "  least privileged\t%s\n", strings.Join(o.Least, ", "))
	}
	if len(o.AlsoOneOf) > 0 {
		fmt.Fprintf(tw, "  also needs one of\t%s\n", strings.Join(o.AlsoOneOf, ", "))
	}
	if len(o.UserRoles) > 0 {
		fmt.Fprintf(tw, "  user needs a role\t%s\n", strings.Join(o.UserRoles, ", "))
	}
	if reach := authz.ParseReach(o.Relation); reach != authz.ReachNone {
		rel := reach.Phrase()
		if o.Resource != "" {
			rel += " (" + o.Resource + ")"
		}
		fmt.Fprintf(tw, "  relation needed\t%s\n", rel)
		label := "missing"
		if o.Allow {
			label = "relation held"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", label, factText(authz.ParseFact(o.Fact), o.Allow))
	}
	if o.Sharing != "" {
		fmt.Fprintf(tw, "  owner must share\t%s\n", o.Sharing)
	}
	if extra != nil {
		extra(tw)
	}
	return tw.Flush()
}

// factText says a relation's fact: what allowed the call, or what is
// missing when it was denied.
func factText(f authz.Fact, allowed bool) string {
	switch f {
	case authz.FactTenant:
		return "directory data, visible tenant-wide"
	case authz.FactShared:
		if allowed {
			return "the owner shared it with the user"
		}
		return "the owner has not shared it with the user (give --shared)"
	case authz.FactSharedItems:
		if allowed {
			return "items shared with the user: only those are reached"
		}
		return "no item shared with the user (give --shared)"
	case authz.FactMember:
		if allowed {
			return "the user is a member"
		}
		return "the user is not a member or owner (give --member or --owner)"
	case authz.FactOwner:
		if allowed {
			return "the user owns the group"
		}
		return "the user does not own the group (give --owner or --user-roles)"
	case authz.FactPublic:
		return "the group is public and the call reads"
	case authz.FactRole:
		if allowed {
			return "the user's administrator role"
		}
		return "the user holds none of the roles (give --user-roles)"
	}
	return f.String()
}

func mustResolve(cat *catalog.Catalog, n string) string {
	p, err := cat.Resolve(n)
	if err != nil {
		return n
	}
	return p.Name
}

func parseRelation(s string) (authz.Relation, error) {
	switch strings.ToLower(s) {
	case "self", "me":
		return authz.RelSelf, nil
	case "other", "other-user", "user":
		return authz.RelOtherUser, nil
	case "shared-mailbox", "shared":
		return authz.RelSharedMailbox, nil
	case "group":
		return authz.RelGroup, nil
	case "chat":
		return authz.RelChat, nil
	case "tenant":
		return authz.RelTenant, nil
	}
	return 0, usageErr("--target takes self, other, shared-mailbox, group, chat or tenant, not %q", s)
}

// faultOut is what explain --request-id --json prints for a request a
// fault rule answered: the row and the rule.
type faultOut struct {
	logRow
	Fault json.RawMessage `json:"fault"`
}

// explainFault prints a request that an injected fault answered (see
// 'graphgate faults'): no permission was decided.
func explainFault(cmd *cobra.Command, d *store.Decision, jsonOut bool) error {
	out := cmd.OutOrStdout()
	if jsonOut {
		return writeJSON(out, faultOut{logRow: toLogRow(d), Fault: d.Detail})
	}
	rule := strings.TrimPrefix(d.Check, "fault:")
	fmt.Fprintf(out, "Request %s at %s: %s %s\n", d.RequestID, d.Time.UTC().Format(time.RFC3339), d.Method, d.Path)
	fmt.Fprintf(out, "  answered by the fault rule %q (graphgate faults list), not by the permission engine: %s\n", rule, d.Detail)
	return nil
}
