package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/store"
)

// ExportOptions tune Export.
type ExportOptions struct {
	// SigningKeys includes the store's signing keys (private keys) in the
	// file, so that tokens issued before an import still verify after it.
	SigningKeys bool
	// Progress, if set, is told what is happening (for a terminal).
	Progress func(msg string)
}

// Summary says what was exported or imported.
type Summary struct {
	TenantID string
	Counts   map[string]int
	// Settings lists the settings an import wrote (created or overwrote).
	Settings []string
	Elapsed  time.Duration
}

func (s Summary) String() string {
	var parts []string
	for _, k := range recordKinds {
		if n := s.Counts[k]; n > 0 && k != KindTenant {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(k, n)))
		}
	}
	return strings.Join(parts, ", ")
}

func plural(kind string, n int) string {
	names := map[string]string{KindUser: "user", KindGroup: "group", KindAdministrativeUnit: "administrative unit",
		KindMembership: "membership", KindApp: "app", KindServicePrincipal: "service principal", KindDelegatedGrant: "delegated grant",
		KindAppRoleAssignment: "app role assignment", KindSetting: "setting", KindSigningKey: "signing key", KindItem: "item"}
	name := names[kind]
	if n != 1 {
		name += "s"
	}
	return name
}

func say(f func(string), format string, a ...any) {
	if f != nil {
		f(fmt.Sprintf(format, a...))
	}
}

// settingsFor keeps the settings that belong with the tenant: every
// store-wide setting except the demo tenant's, which only its own export
// carries.
func settingsFor(tenantID string, all []store.Setting) []store.Setting {
	var out []store.Setting
	for _, s := range all {
		if strings.HasPrefix(s.Name, "demo.") && tenantID != demo.TenantID {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Export writes the tenant to w.
func Export(ctx context.Context, st store.Store, tenantID string, w io.Writer, o ExportOptions) (Summary, error) {
	start := time.Now()
	say(o.Progress, "reading tenant %s", tenantID)
	d, err := st.ExportTenant(ctx, tenantID)
	if err != nil {
		return Summary{}, err
	}
	d.Settings = settingsFor(tenantID, d.Settings)
	if !o.SigningKeys {
		d.SigningKeys = nil
	}
	counts := Counts(&d)
	say(o.Progress, "writing %d records", total(counts))
	err = Write(w, &d, func(n, all int) { say(o.Progress, "written %d of %d records", n, all) })
	if err != nil {
		return Summary{}, err
	}
	return Summary{TenantID: tenantID, Counts: counts, Elapsed: time.Since(start)}, nil
}

func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// SettingsPolicy says what Import does with a setting the target store has
// with another value.
type SettingsPolicy string

const (
	// SettingsRefuse (the default) refuses the import, naming the settings.
	SettingsRefuse SettingsPolicy = "refuse"
	// SettingsOverwrite replaces the target's values with the file's. They
	// are store-wide: other tenants' client secrets stop verifying and their
	// users' pairwise subject ids change; running servers must be
	// restarted, as they read the settings at start.
	SettingsOverwrite SettingsPolicy = "overwrite"
	// SettingsKeep keeps the target's values: the imported apps' client
	// secrets will not verify (set new ones) and pairwise subject ids differ
	// from the source store's.
	SettingsKeep SettingsPolicy = "keep"
)

// ImportOptions tune Import.
type ImportOptions struct {
	// Replace replaces the tenant if the target store has it (everything it
	// holds is deleted first, in the same transaction).
	Replace bool
	// Settings is what to do about differing settings (default refuse).
	Settings SettingsPolicy
	// SkipSigningKeys ignores the signing keys a file holds.
	SkipSigningKeys bool
	Progress        func(msg string)
}

// ErrTenantExists is returned when the target store has the tenant and
// Replace is not set.
var ErrTenantExists = errors.New("the tenant exists in the target store")

// ErrSettingsDiffer is returned when settings differ and the policy is
// SettingsRefuse.
var ErrSettingsDiffer = errors.New("settings differ")

// Import reads a file from r and stores its tenant in st.
func Import(ctx context.Context, st store.Store, r io.Reader, o ImportOptions) (Summary, error) {
	start := time.Now()
	if o.Settings == "" {
		o.Settings = SettingsRefuse
	}
	switch o.Settings {
	case SettingsRefuse, SettingsOverwrite, SettingsKeep:
	default:
		return Summary{}, fmt.Errorf("unknown settings policy %q (refuse, overwrite or keep)", o.Settings)
	}
	say(o.Progress, "reading the file")
	h, d, err := Read(r, func(n, all int) { say(o.Progress, "read %d of %d records", n, all) })
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{TenantID: h.TenantID, Counts: Counts(&d)}

	if _, err := st.GetTenant(ctx, h.TenantID); err == nil && !o.Replace {
		return sum, fmt.Errorf("%w: tenant %s (%s); import with --replace to replace it and everything it holds",
			ErrTenantExists, h.TenantID, h.Domain)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return sum, err
	}

	// Settings: create the missing ones; differing ones by policy.
	have, err := st.ListSettings(ctx)
	if err != nil {
		return sum, err
	}
	current := map[string][]byte{}
	for _, s := range have {
		current[s.Name] = s.Value
	}
	var write []store.Setting
	var differ []string
	for _, s := range d.Settings {
		v, ok := current[s.Name]
		switch {
		case !ok:
			write = append(write, s)
		case bytes.Equal(v, s.Value):
		case o.Settings == SettingsOverwrite:
			write = append(write, s)
		case o.Settings == SettingsKeep:
		default:
			differ = append(differ, s.Name)
		}
	}
	if len(differ) > 0 {
		return sum, fmt.Errorf("%w: the target store has other values for %s. They are store-wide: the client secret key "+
			"is what app secret hashes are keyed with, the pairwise key makes users' subject ids. Import with --settings overwrite "+
			"to take the file's (other tenants of the target store are affected; restart its servers), or --settings keep to keep "+
			"the store's (the imported apps' secrets will not verify)", ErrSettingsDiffer, strings.Join(differ, ", "))
	}
	d.Settings = write
	for _, s := range write {
		sum.Settings = append(sum.Settings, s.Name)
	}

	// Signing keys: only into a store without keys of its own.
	if o.SkipSigningKeys {
		d.SigningKeys = nil
	}
	if len(d.SigningKeys) > 0 {
		keys, err := st.SigningKeys(ctx)
		if err != nil {
			return sum, err
		}
		for _, k := range keys {
			i := slices.IndexFunc(d.SigningKeys, func(f store.SigningKey) bool { return f.Generation == k.Generation })
			if i < 0 || d.SigningKeys[i].KID != k.KID {
				return sum, fmt.Errorf("the target store has signing keys of its own (generation %d, kid %s): signing keys can only "+
					"be imported into a store that has none yet, or the same ones; import with --skip-signing-keys", k.Generation, k.KID)
			}
		}
	}

	say(o.Progress, "importing %d records in one transaction", total(sum.Counts))
	if err := st.ImportTenant(ctx, d, o.Replace); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return sum, fmt.Errorf("nothing was imported: %w", err)
		}
		return sum, err
	}
	sum.Counts = Counts(&d)
	sum.Elapsed = time.Since(start)
	return sum, nil
}
