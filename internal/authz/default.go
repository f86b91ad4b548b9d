package authz

import (
	"errors"
	"sync"

	"graphgate/internal/routes"
)

// defaultEngine panics when the policy does not fit the embedded route
// table, which TestPolicyFitsDefaultTable rules out.
var defaultEngine = sync.OnceValue(func() *Engine {
	e, err := New(routes.Default())
	if err != nil {
		panic(err)
	}
	return e
})

func errorsIs(err, target error) bool { return errors.Is(err, target) }
