package authz

import (
	"errors"
	"sync"

	"graphgate/internal/routes"
)

var defaultEngine = sync.OnceValue(func() *Engine { return New(routes.Default()) })

func errorsIs(err, target error) bool { return errors.Is(err, target) }
