// Package roles names the Microsoft Entra directory roles graphgate knows
// about, with their built-in template ids (the values of a token's wids
// claim). The permission engine reasons with them (delegated effective
// permissions depend on the signed-in user's roles); the directory stores
// them; tokens carry their template ids.
//
// # What it must not do
//
// It must not decide access: it only names roles and their template ids; authz
// gives them meaning.
package roles
