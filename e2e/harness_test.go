package e2e

import (
	"net/http"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/identity"
	"graphgate/internal/server"
	"graphgate/internal/server/servertest"
)

// env is a running graphgate (servertest's) and what tests need to talk to it.
type env struct {
	*servertest.Env
	t      *testing.T
	srv    *server.Server
	base   string // https://localhost:port
	client *http.Client
	demo   *demo.Tenant
	caFile string
}

type envOption = func(*server.Config)

func withIdentity(c identity.Config) envOption { return func(cfg *server.Config) { cfg.Identity = c } }

func start(t *testing.T, opts ...envOption) *env {
	t.Helper()
	se := servertest.Start(t, opts...)
	return &env{Env: se, t: t, srv: se.Server, base: se.Base, client: se.Client, demo: se.Demo, caFile: se.CAFile}
}

// The helpers below read only the fields, so that tests may build an env
// for servers they started otherwise (the replicas test's processes).

func (e *env) authority(tenant string) string { return e.base + "/" + tenant }

func (e *env) user(key string) demo.User {
	u, ok := e.demo.UserByKey(key)
	if !ok {
		e.t.Fatalf("no demo user %s", key)
	}
	return u
}

func (e *env) app(key string) demo.App {
	a, ok := e.demo.AppByKey(key)
	if !ok {
		e.t.Fatalf("no demo app %s", key)
	}
	return a
}
