package tokens

import "errors"

// Verification errors. Verify and VerifyClientAssertion wrap exactly one of
// these (ErrUnknownKey also wraps ErrSignature), so callers choose Microsoft's
// response text with errors.Is and the wrapped detail stays for logs.
var (
	// ErrMalformed: not a compact JWS, undecodable header or claims, or a
	// required claim is missing.
	ErrMalformed = errors.New("tokens: malformed token")
	// ErrAlgorithm: the alg header is not one this verifier accepts (for
	// access tokens only RS256; "none" and HS* are always refused).
	ErrAlgorithm = errors.New("tokens: signature algorithm not allowed")
	// ErrSignature: the signature does not verify with the identified key.
	ErrSignature = errors.New("tokens: invalid signature")
	// ErrUnknownKey: no published key or registered certificate matches the
	// token's kid or thumbprint. It also matches ErrSignature.
	ErrUnknownKey = errors.New("tokens: signing key not found")
	// ErrExpired: exp is in the past, beyond the allowed clock skew.
	ErrExpired = errors.New("tokens: token is expired")
	// ErrNotYetValid: nbf (or iat) is in the future, beyond the skew.
	ErrNotYetValid = errors.New("tokens: token is not yet valid")
	// ErrAudience: aud is not one of the expected audiences.
	ErrAudience = errors.New("tokens: invalid audience")
	// ErrIssuer: iss is not the expected issuer (for client assertions: iss
	// or sub is not the client id).
	ErrIssuer = errors.New("tokens: invalid issuer")
	// ErrReplay: a client assertion's jti was already used.
	ErrReplay = errors.New("tokens: assertion replayed")
)
