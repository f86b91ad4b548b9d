package cli

// graphgate version and graphgate --version.

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func init() {
	extraCommands = append(extraCommands, versionCmd)
}

// version is graphgate's version when the build sets it:
//
//	go build -ldflags "-X graphgate/internal/cli.version=v1.2.0" ./cmd/graphgate
//
// Otherwise it comes from the module's build information (a version for
// 'go install graphgate/cmd/graphgate@v1.2.0', "(devel)" for a checkout).
var version string

// buildInfo is debug.ReadBuildInfo (the tests replace it).
var buildInfo = debug.ReadBuildInfo

// versionOut is what 'graphgate version --json' prints.
type versionOut struct {
	Version string `json:"version"`
	// Commit, CommitTime and Modified come from the version control
	// information 'go build' stamps in a git checkout.
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commitTime,omitempty"`
	Modified   bool   `json:"modified,omitempty"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

func currentVersion() versionOut {
	v := versionOut{Version: version, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := buildInfo(); ok {
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		v.Go = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.CommitTime = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	return v
}

// String is the one line 'graphgate version' and --version print:
// "graphgate v1.2.0 (commit 0123abc, 2026-05-01T10:00:00Z) go1.26.8 linux/amd64".
func (v versionOut) String() string {
	var build []string
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if v.Modified {
			c += " with local changes"
		}
		build = append(build, "commit "+c)
	}
	if v.CommitTime != "" {
		build = append(build, v.CommitTime)
	}
	s := "graphgate " + v.Version
	if len(build) > 0 {
		s += " (" + strings.Join(build, ", ") + ")"
	}
	return s + " " + v.Go + " " + v.Platform
}

func versionCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print graphgate's version, commit and Go version",
		Long: `Print graphgate's version, the commit it was built from (when built in a git
checkout; "with local changes" when the checkout had uncommitted changes),
the Go version and the platform. 'graphgate --version' prints the same line.
Include it when you report a problem.`,
		Example: `  graphgate version
  graphgate version --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := currentVersion()
			if jsonOut {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			fmt.Fprintln(cmd.OutOrStdout(), v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}
