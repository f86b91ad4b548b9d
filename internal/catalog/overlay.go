package catalog

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"graphgate/internal/permname"
)

// Decision is one overlay entry: a place where the seed reference (the older
// prose Graph permissions reference) adds to or disagrees with Microsoft's
// data, what each says, which graphgate follows and why, and the effect on
// the catalog. overlay.yaml holds them all.
type Decision struct {
	ID          string   `yaml:"id"`
	Permissions []string `yaml:"permissions"`
	// Topic is one of the Topic* constants.
	Topic string `yaml:"topic"`
	// Scheme narrows display and admin-consent decisions to one scheme.
	Scheme string `yaml:"scheme,omitempty"`
	// Route is the call a route decision concerns ("GET /me/manager"). The
	// route table (internal/routes) holds what the call accepts; a decision
	// that follows the seed there is a supplement.yaml entry, one that follows
	// the data changes nothing and is written down here so that
	// `graphgate permissions show` explains it.
	Route string `yaml:"route,omitempty"`
	// Seed quotes the seed reference; Data states what the data has.
	Seed string `yaml:"seed"`
	Data string `yaml:"data"`
	// Follow is "data" or "seed": whose statement the catalog reflects.
	Follow string  `yaml:"follow"`
	Why    string  `yaml:"why"`
	Set    Effects `yaml:"set,omitempty"`
}

// Effects change the catalog. Only decisions that follow the seed, or that
// add what the data lacks, have any.
type Effects struct {
	// Alias makes Resolve accept this other name for the (single) permission.
	Alias string `yaml:"alias,omitempty"`
	// Personal sets validity for personal Microsoft accounts.
	Personal *bool `yaml:"personal,omitempty"`
	// GrantsNothing marks a permission that allows no call.
	GrantsNothing bool `yaml:"grantsNothing,omitempty"`
	Deprecated    bool `yaml:"deprecated,omitempty"`
	Preview       bool `yaml:"preview,omitempty"`
	// Kind reclassifies the permission (openid).
	Kind string `yaml:"kind,omitempty"`
	// AdminConsent sets the admin-consent flag in Scheme.
	AdminConsent *bool `yaml:"adminConsent,omitempty"`
}

// Decision topics.
const (
	TopicAlias         = "alias"
	TopicPersonal      = "personal-validity"
	TopicDisplay       = "display"
	TopicAdminConsent  = "admin-consent"
	TopicGrantsNothing = "grants-nothing"
	TopicPreview       = "preview"
	TopicOpenID        = "openid"
	TopicSeedRow       = "seed-row"
	TopicRoute         = "route"
)

var topics = map[string]bool{TopicAlias: true, TopicPersonal: true, TopicDisplay: true, TopicAdminConsent: true,
	TopicGrantsNothing: true, TopicPreview: true, TopicOpenID: true, TopicSeedRow: true, TopicRoute: true}

// Decisions returns every overlay decision in file order.
func (c *Catalog) Decisions() []*Decision { return c.decisions }

// DecisionsFor returns the decisions about permission name with the given
// topic ("" for any).
func (c *Catalog) DecisionsFor(name, topic string) []*Decision {
	var out []*Decision
	for _, d := range c.decisions {
		if topic != "" && d.Topic != topic {
			continue
		}
		for _, n := range d.Permissions {
			if strings.EqualFold(n, name) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// decodeOverlay reads an overlay document. The committed overlay.yaml is
// decoded by internal/gendata (overlay_gen.go), not at run time.
func decodeOverlay(doc []byte) ([]*Decision, error) {
	var file struct {
		Decisions []*Decision `yaml:"decisions"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(doc)))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	return file.Decisions, nil
}

func (c *Catalog) applyOverlay(decisions []*Decision) error {
	seen := map[string]bool{}
	for _, d := range decisions {
		if d.ID == "" || seen[d.ID] {
			return fmt.Errorf("overlay: decision id %q missing or repeated", d.ID)
		}
		seen[d.ID] = true
		if !topics[d.Topic] {
			return fmt.Errorf("overlay %s: unknown topic %q", d.ID, d.Topic)
		}
		if d.Follow != "data" && d.Follow != "seed" {
			return fmt.Errorf("overlay %s: follow must be data or seed, not %q", d.ID, d.Follow)
		}
		if d.Seed == "" || d.Why == "" {
			return fmt.Errorf("overlay %s: seed and why are required", d.ID)
		}
		if len(d.Permissions) == 0 {
			return fmt.Errorf("overlay %s: no permissions", d.ID)
		}
		if (d.Topic == TopicRoute) != (d.Route != "") {
			return fmt.Errorf("overlay %s: a route decision, and only one, names its call in route (METHOD PATH)", d.ID)
		}
		if d.Topic == TopicRoute && (d.Follow != "data" || d.Set != (Effects{})) {
			return fmt.Errorf("overlay %s: a route decision follows the data and changes nothing here; one that follows the seed is an entry of internal/routes/supplement.yaml", d.ID)
		}
		scheme := Scheme(NumSchemes)
		if d.Scheme != "" {
			s, err := ParseScheme(d.Scheme)
			if err != nil {
				return fmt.Errorf("overlay %s: %w", d.ID, err)
			}
			scheme = s
		}
		for _, name := range d.Permissions {
			p, ok := c.Lookup(name)
			if !ok {
				return fmt.Errorf("overlay %s: %s is not in the catalog", d.ID, name)
			}
			if err := c.apply(d, p, scheme); err != nil {
				return fmt.Errorf("overlay %s: %s: %w", d.ID, name, err)
			}
			p.Decisions = append(p.Decisions, d)
		}
		c.decisions = append(c.decisions, d)
	}
	return nil
}

func (c *Catalog) apply(d *Decision, p *Permission, scheme Scheme) error {
	e := d.Set
	if e.Alias != "" {
		if len(d.Permissions) != 1 {
			return fmt.Errorf("an alias needs exactly one permission")
		}
		if _, err := permname.Parse(e.Alias); err != nil {
			return err
		}
		if _, clash := c.Lookup(e.Alias); clash {
			return fmt.Errorf("alias %s is itself a permission", e.Alias)
		}
		c.aliases[strings.ToLower(e.Alias)] = p
		p.Aliases = append(p.Aliases, e.Alias)
	}
	if e.Kind != "" {
		switch e.Kind {
		case "openid":
			p.Kind = OpenID
		default:
			return fmt.Errorf("unknown kind %q", e.Kind)
		}
	}
	if e.Personal != nil {
		if *e.Personal {
			if p.Schemes[DelegatedPersonal] == nil {
				w := p.Schemes[DelegatedWork]
				if w == nil {
					return fmt.Errorf("cannot make valid for personal accounts: no delegated scheme")
				}
				cp := *w
				p.Schemes[DelegatedPersonal] = &cp
			}
		} else {
			p.Schemes[DelegatedPersonal] = nil
		}
	}
	if e.AdminConsent != nil {
		if scheme == NumSchemes || p.Schemes[scheme] == nil {
			return fmt.Errorf("adminConsent needs a scheme the permission has")
		}
		// The generated descriptions are shared (catalog.load): change a copy.
		cp := *p.Schemes[scheme]
		cp.RequiresAdminConsent = *e.AdminConsent
		p.Schemes[scheme] = &cp
	}
	if e.GrantsNothing {
		p.GrantsNothing = true
	}
	if e.Deprecated {
		p.Deprecated = true
	}
	if e.Preview {
		p.Preview = true
	}
	if d.Follow == "data" && (e.Personal != nil || e.AdminConsent != nil) {
		return fmt.Errorf("a decision that follows the data must not change validity or consent")
	}
	return nil
}
