package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"graphgate/internal/admin"
)

// AdminSocketName is the admin API's unix socket in the data folder. The
// socket is owner-only (0600): whoever may open it may read the data
// folder's database and keys anyway, so the file's permission is its
// authentication, as with Docker's socket. It lets 'graphgate clock' and
// 'graphgate faults' work whatever the clock says — a token signed in
// after 'clock set 2030-…' would meet expired demo secrets.
const AdminSocketName = "admin.sock"

// AdminSocket is the admin socket's path for a data folder.
func AdminSocket(dataDir string) string { return filepath.Join(dataDir, AdminSocketName) }

// serveAdminSocket serves the admin API (without tokens) on the data
// folder's unix socket until ctx ends. A socket another live server
// answers on is left alone; a stale one is replaced.
func (s *Server) serveAdminSocket(ctx context.Context) {
	if s.cfg.DataDir == "" || s.admin == nil {
		return
	}
	path := AdminSocket(s.cfg.DataDir)
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		s.log.Warn("admin socket in use by another server: this one serves the admin API on HTTPS only", "socket", path)
		return
	}
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		s.log.Warn("no admin socket: the admin API is on HTTPS only", "socket", path, "err", err)
		return
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		s.log.Warn("no admin socket: it could not be made owner-only", "socket", path, "err", err)
		return
	}
	api := admin.New(s.adminDeps(s.log.With("via", "socket")), admin.Options{Open: true})
	hs := s.limits.httpServer(http.MaxBytesHandler(api, 1<<20), nil)
	hs.ReadTimeout, hs.WriteTimeout = 30*time.Second, 30*time.Second
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = os.Remove(path)
	}()
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("admin socket stopped", "err", err)
		}
	}()
}
