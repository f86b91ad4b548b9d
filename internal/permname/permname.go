package permname

import (
	"errors"
	"fmt"
	"strings"
)

// Name is a parsed permission name. Constraint is empty for permissions on
// the signed-in user's own data (User.Read, Mail.Send). The OpenID scopes
// (openid, profile, email, offline_access) parse as a bare Resource.
type Name struct {
	Resource   string
	Operation  string
	Constraint string
}

// Well-known operations and constraints.
const (
	OpReadBasic      = "ReadBasic"
	OpRead           = "Read"
	OpReadWriteBasic = "ReadWriteBasic"
	OpReadWrite      = "ReadWrite"

	ConstraintOwn    = ""
	ConstraintShared = "Shared"
	ConstraintAll    = "All"
)

// ErrSyntax is wrapped by every Parse error.
var ErrSyntax = errors.New("malformed permission name")

// MaxLen bounds the length of a name Parse accepts; the longest Graph
// permission is well under 80 characters.
const MaxLen = 128

// Parse splits s into its parts. It accepts one to four non-empty parts of
// ASCII letters, digits, '-' and '_' (four parts mean a dotted resource, as in
// DeviceManagement.Scripts.Read.All). It does not check that the permission
// exists.
func Parse(s string) (Name, error) {
	if s == "" {
		return Name{}, fmt.Errorf("%w: empty", ErrSyntax)
	}
	if len(s) > MaxLen {
		return Name{}, fmt.Errorf("%w: longer than %d characters", ErrSyntax, MaxLen)
	}
	var parts [4]string
	n := 0
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return Name{}, fmt.Errorf("%w: %q contains %q", ErrSyntax, s, rune(c))
			}
			continue
		}
		if i == start {
			return Name{}, fmt.Errorf("%w: %q has an empty part", ErrSyntax, s)
		}
		if n == len(parts) {
			return Name{}, fmt.Errorf("%w: %q has more than four parts (resource.operation.constraint)", ErrSyntax, s)
		}
		parts[n] = s[start:i]
		n++
		start = i + 1
	}
	if n == 4 {
		// A dotted resource, as in DeviceManagement.Scripts.Read.All.
		return Name{Resource: s[:len(parts[0])+1+len(parts[1])], Operation: parts[2], Constraint: parts[3]}, nil
	}
	return Name{Resource: parts[0], Operation: parts[1], Constraint: parts[2]}, nil
}

// MustParse is Parse for names known at compile time.
func MustParse(s string) Name {
	n, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return n
}

// String reassembles the name.
func (n Name) String() string {
	var b strings.Builder
	b.WriteString(n.Resource)
	if n.Operation != "" {
		b.WriteByte('.')
		b.WriteString(n.Operation)
	}
	if n.Constraint != "" {
		b.WriteByte('.')
		b.WriteString(n.Constraint)
	}
	return b.String()
}

// WithConstraint returns n with another constraint, e.g. Mail.Read →
// Mail.Read.Shared.
func (n Name) WithConstraint(c string) Name { n.Constraint = c; return n }

// WithOperation returns n with another operation.
func (n Name) WithOperation(op string) Name { n.Operation = op; return n }

// opImplies lists, for each operation, the operations it includes (besides itself).
var opImplies = map[string][]string{
	OpRead:           {OpReadBasic},
	OpReadWriteBasic: {OpReadBasic},
	OpReadWrite:      {OpRead, OpReadBasic, OpReadWriteBasic},
}

// OperationImplies reports whether holding operation held includes operation
// want on the same resource.
func OperationImplies(held, want string) bool {
	if strings.EqualFold(held, want) {
		return true
	}
	for _, op := range opImplies[canonicalOp(held)] {
		if strings.EqualFold(op, want) {
			return true
		}
	}
	return false
}

func canonicalOp(op string) string {
	for k := range opImplies {
		if strings.EqualFold(k, op) {
			return k
		}
	}
	return op
}

// ConstraintImplies reports whether constraint held includes constraint want:
// equal constraints, or own data (no constraint) inside .Shared or .All.
func ConstraintImplies(held, want string) bool {
	if strings.EqualFold(held, want) {
		return true
	}
	return want == ConstraintOwn && (strings.EqualFold(held, ConstraintShared) || strings.EqualFold(held, ConstraintAll))
}

// Implies reports whether a token holding held may do everything want allows,
// by the name grammar alone: the same resource, an operation that includes
// want's, and a constraint that includes want's. Examples: Mail.ReadWrite
// implies Mail.Read; Calendars.Read.Shared implies Calendars.Read;
// Directory.ReadWrite.All implies Directory.Read.All; Mail.ReadWrite does not
// imply Mail.Send; Mail.Read does not imply Mail.Read.Shared.
func Implies(held, want Name) bool {
	return strings.EqualFold(held.Resource, want.Resource) &&
		OperationImplies(held.Operation, want.Operation) &&
		ConstraintImplies(held.Constraint, want.Constraint)
}

// OperationRank orders operations from least to most privileged for display
// and tie-breaking. Unknown operations rank between ReadWrite and the broad
// administrative ones.
func OperationRank(op string) int {
	switch strings.ToLower(op) {
	case "readbasic":
		return 10
	case "read":
		return 20
	case "readwritebasic":
		return 30
	case "create":
		return 35
	case "readwrite":
		return 40
	case "manage":
		return 60
	case "accessasuser":
		return 70
	case "fullcontrol":
		return 80
	}
	return 50
}

// ConstraintRank orders constraints from narrowest to broadest: own data,
// .Shared, narrower named constraints, .All.
func ConstraintRank(c string) int {
	switch strings.ToLower(c) {
	case "":
		return 0
	case "shared":
		return 10
	case "all":
		return 30
	}
	return 20
}

// Less orders names by operation rank, then constraint rank, then
// case-insensitive text; it is the grammar's part of "least privileged first".
func Less(a, b Name) bool {
	if ra, rb := OperationRank(a.Operation), OperationRank(b.Operation); ra != rb {
		return ra < rb
	}
	if ra, rb := ConstraintRank(a.Constraint), ConstraintRank(b.Constraint); ra != rb {
		return ra < rb
	}
	return strings.ToLower(a.String()) < strings.ToLower(b.String())
}
