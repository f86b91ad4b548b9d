package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"graphgate/internal/store"
)

// PersonalDomains are the verified domains of the personal-accounts tenant.
func PersonalDomains() []string { return []string{"outlook.com", "hotmail.com", "live.com"} }

// CreateTenant creates a tenant: an organisation (Kind defaults to work)
// with at least one verified domain, the first being the default. A
// missing ID is generated; domains are kept in lower case. A tenant whose
// id exists is ErrExists.
func (s *Service) CreateTenant(ctx context.Context, t store.Tenant) (store.Tenant, error) {
	if t.Kind == "" {
		t.Kind = store.TenantWork
	}
	if t.Kind != store.TenantWork && t.Kind != store.TenantPersonal {
		return t, invalid("kind", "a tenant is an organisation or the personal-accounts tenant, not %q", t.Kind)
	}
	if strings.TrimSpace(t.DisplayName) == "" {
		return t, invalid("displayName", "a tenant needs a display name")
	}
	if len(t.Domains) == 0 {
		return t, invalid("domains", "a tenant needs at least one verified domain")
	}
	ds := make([]string, len(t.Domains))
	for i, d := range t.Domains {
		ds[i] = strings.ToLower(d)
	}
	t.Domains = ds
	if t.ID == "" {
		t.ID = s.newID()
	}
	t.CreatedAt = s.now()
	return t, classify(s.st.CreateTenant(ctx, t))
}

// EnsurePersonalTenant returns the personal-accounts tenant, creating it
// (as the demo seeding does) if it does not exist yet.
func (s *Service) EnsurePersonalTenant(ctx context.Context) (store.Tenant, error) {
	t, err := s.st.GetTenant(ctx, store.PersonalTenantID)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return t, err
	}
	_, err = s.CreateTenant(ctx, store.Tenant{ID: store.PersonalTenantID, DisplayName: "Microsoft Accounts", Kind: store.TenantPersonal,
		Domains: PersonalDomains()})
	if err != nil && !errors.Is(err, ErrExists) {
		return t, fmt.Errorf("creating the personal-accounts tenant: %w", err)
	}
	return s.st.GetTenant(ctx, store.PersonalTenantID)
}

// tenant reads a tenant, ErrNotFound if there is none.
func (s *Service) tenant(ctx context.Context, id string) (store.Tenant, error) {
	t, err := s.st.GetTenant(ctx, id)
	return t, classify(err)
}

// verifiedDomain reports whether domain is one of t's verified domains.
func verifiedDomain(t store.Tenant, domain string) bool {
	for _, d := range t.Domains {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}
