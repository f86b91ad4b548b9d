package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/demo"
	"graphgate/internal/directory"
	"graphgate/internal/store"
)

// admTenantOut is a tenant as the admin commands print it.
type admTenantOut struct {
	ID            string    `json:"id"`
	DisplayName   string    `json:"displayName"`
	Kind          string    `json:"kind"`
	Domains       []string  `json:"domains"`
	DefaultDomain string    `json:"defaultDomain"`
	Users         int       `json:"users"`
	Groups        int       `json:"groups"`
	Apps          int       `json:"apps"`
	CreatedAt     time.Time `json:"createdAt"`
}

func admTenantRow(ctx context.Context, st store.Store, t store.Tenant) (admTenantOut, error) {
	o := admTenantOut{ID: t.ID, DisplayName: t.DisplayName, Kind: string(t.Kind), Domains: t.Domains, CreatedAt: t.CreatedAt}
	if o.Domains == nil {
		o.Domains = []string{}
	}
	if len(t.Domains) > 0 {
		o.DefaultDomain = t.Domains[0]
	}
	us, err := st.ListUsers(ctx, t.ID, "", 0)
	if err != nil {
		return o, err
	}
	gs, err := st.ListGroups(ctx, t.ID, "", 0)
	if err != nil {
		return o, err
	}
	as, err := st.ListApps(ctx, t.ID)
	if err != nil {
		return o, err
	}
	o.Users, o.Groups, o.Apps = len(us), len(gs), len(as)
	return o, nil
}

func admTenantCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "List and create tenants (directories) in a data folder",
		Long: `List and create tenants: the organisations (directories) users, groups and
apps live in. A tenant has an id (GUID) and verified domains; the first domain
is the default, used in new users' names and in groups' mail addresses.
Authorities name a tenant by either: https://localhost:8443/<domain> or
https://localhost:8443/<tenant id> (on GRAPHGATE_ADDR when it is set).

The personal-accounts tenant (personal Microsoft accounts) is created with
the first personal account ('graphgate user create --personal').
` + admExitCodes,
		Example: `  graphgate tenant list
  graphgate tenant create --name Fabrikam --domain fabrikam.onmicrosoft.com
  graphgate tenant create --name Northwind --domain northwind.onmicrosoft.com --domain northwindtraders.com \
      --id 0c4f6e1a-2b3d-4c5e-8f7a-9b0c1d2e3f4a --data /var/lib/graphgate`,
	}
	cmd.AddCommand(admTenantListCmd(), admTenantCreateCmd())
	return cmd
}

func admTenantListCmd() *cobra.Command {
	var o admOpts
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the tenants with their domains and how many users, groups and apps they hold",
		Long: `List the tenants of the data folder (or --store): id, name, kind (work, or
personal for the personal-accounts tenant), verified domains, and how many
users, groups and apps each holds. --json prints them as JSON.
` + admExitCodes,
		Example: `  graphgate tenant list
  graphgate tenant list --json --data ./graphgate-data`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		ts, err := st.ListTenants(ctx)
		if err != nil {
			return err
		}
		rows := []admTenantOut{}
		for _, t := range ts {
			r, err := admTenantRow(ctx, st, t)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return writeList(cmd.OutOrStdout(), o.json, rows, "", "No tenants; create one with 'graphgate tenant create --name NAME --domain DOMAIN'.",
			"ID\tNAME\tKIND\tDOMAINS\tUSERS\tGROUPS\tAPPS", func(_ int, r admTenantOut) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%d", r.ID, r.DisplayName, r.Kind, strings.Join(r.Domains, ", "), r.Users, r.Groups, r.Apps)
			})
	})
	admFlags(cmd, &o)
	return cmd
}

// Domains graphgate reserves: the personal-accounts tenant's, which the
// demo seeding and the first personal account create.
var admPersonalDomains = directory.PersonalDomains()

func admTenantCreateCmd() *cobra.Command {
	var o admOpts
	var name, id string
	var domains []string
	cmd := &cobra.Command{
		Use:   "create --name NAME --domain DOMAIN [--domain DOMAIN]… [--id GUID]",
		Short: "Create an organisation tenant",
		Long: `Create an organisation tenant with a display name and one or more verified
domains (the first is the default). Without --id the tenant gets a random id.
The data folder is created if it does not exist.

The demo tenant's id and domain (contoso.onmicrosoft.com) and the
personal-accounts domains (outlook.com, hotmail.com, live.com) are reserved:
'graphgate serve' adds the demo tenant to a data folder unless --no-demo.`,
		Example: `  graphgate tenant create --name Fabrikam --domain fabrikam.onmicrosoft.com
  graphgate tenant create --name Northwind --domain northwind.onmicrosoft.com --domain northwindtraders.com --id 0c4f6e1a-2b3d-4c5e-8f7a-9b0c1d2e3f4a`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, true, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		name = strings.TrimSpace(name)
		if name == "" {
			return usageErr("--name is required")
		}
		if len(name) > 256 {
			return usageErr("--name has at most 256 characters")
		}
		ds := splitList(domains)
		if len(ds) == 0 {
			return usageErr("--domain is required (e.g. --domain fabrikam.onmicrosoft.com)")
		}
		seen := map[string]bool{}
		var clean []string
		for _, d := range ds {
			d, err := admCheckDomain(d)
			if err != nil {
				return err
			}
			if seen[d] {
				continue
			}
			seen[d] = true
			if d == demo.TenantDomain {
				return usageErr("%s is the demo tenant's domain ('graphgate serve' seeds the demo tenant unless --no-demo); choose another", d)
			}
			for _, p := range admPersonalDomains {
				if d == p {
					return usageErr("%s belongs to the personal-accounts tenant; choose another domain", d)
				}
			}
			if t, err := st.TenantByDomain(ctx, d); err == nil {
				return usageErr("the domain %s is taken by tenant %s", d, admTenantLabel(t))
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			clean = append(clean, d)
		}
		if id == "" {
			id = admNewID()
		} else if !admIsGUID(id) {
			return usageErr("--id takes a GUID, not %q", id)
		}
		id = strings.ToLower(id)
		if id == demo.TenantID || id == store.PersonalTenantID {
			return usageErr("the tenant id %s is reserved (demo or personal-accounts tenant)", id)
		}
		if t, err := st.GetTenant(ctx, id); err == nil {
			return usageErr("a tenant with id %s exists: %s", id, admTenantLabel(t))
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		t, err := admDirectory(st).CreateTenant(ctx, store.Tenant{ID: id, DisplayName: name, Kind: store.TenantWork, Domains: clean})
		if err != nil {
			return err
		}
		row, err := admTenantRow(ctx, st, t)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, row)
		}
		fmt.Fprintf(out, "Created tenant %s\n  id:        %s\n  domains:   %s\n  authority: %s\n",
			t.DisplayName, t.ID, strings.Join(t.Domains, ", "), admAuthority(t.Domains[0]))
		fmt.Fprintf(out, "Next: graphgate user create --upn admin@%s --name Administrator --role global-admin --data %s\n", t.Domains[0], o.data)
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "display name of the organisation (required)")
	f.StringArrayVar(&domains, "domain", nil, "verified domain; repeat for more, the first is the default (required)")
	f.StringVar(&id, "id", "", "tenant id (GUID); random if not given")
	admFlags(cmd, &o)
	return cmd
}
