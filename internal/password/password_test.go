package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	for _, p := range []Params{Fast, Default} {
		h, err := Hash("correct horse", p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$") {
			t.Errorf("hash %q is not a PHC argon2id string", h)
		}
		if ok, err := Verify("correct horse", h); !ok || err != nil {
			t.Errorf("Verify(right) = %v, %v", ok, err)
		}
		if ok, err := Verify("correct horsE", h); ok || err != nil {
			t.Errorf("Verify(wrong) = %v, %v", ok, err)
		}
		h2, _ := Hash("correct horse", p)
		if h2 == h {
			t.Error("two hashes of one password are equal: the salt is not random")
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA",
		"$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=8,t=1,p=1$!!$AAAA", "$argon2id$v=18$m=8,t=1,p=1$AAAA$AAAA"} {
		if _, err := Verify("x", h); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) error = %v", h, err)
		}
	}
}
