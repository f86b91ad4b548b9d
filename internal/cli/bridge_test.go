package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBridgeCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("accounts:\n  - name: home\n    client_id: x\n    shared_mailbox: s@contoso.com\n    todo_sensors: {enabled: true}\n"), 0o600)
	example := filepath.Join("..", "..", "docs", "bridge.example.yaml")
	tests := []struct {
		name string
		args []string
		code int
		out  []string
		err  []string
	}{
		{"help teaches with an example config", []string{"bridge", "--help"}, 0, []string{"email_sensors:", "graphgate bridge login", "command/<service>"}, nil},
		{"check lists scopes", []string{"bridge", "check", "--config", example}, 0, []string{"valid", "account work", "Tasks.ReadWrite", "token file:"}, nil},
		{"check json", []string{"bridge", "check", "--config", example, "--json"}, 0, []string{`"msal_scopes"`}, nil},
		{"refused combination names its line", []string{"bridge", "check", "--config", bad}, 2, nil,
			[]string{"bad.yaml:5:5: accounts[0].todo_sensors: todo is refused (because shared_mailbox is set at line 4)"}},
		{"missing file", []string{"bridge", "check", "--config", filepath.Join(dir, "none.yaml")}, 2, nil, []string{"no such file"}},
		{"login needs a known account", []string{"bridge", "login", "--config", example, "--account", "nope"}, 2, nil, []string{`no account "nope"`}},
		{"login with several accounts needs --account", []string{"bridge", "login", "--config", example}, 2, nil, []string{"--account is required (accounts: work, support, demo)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errb := runCLI(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errb)
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.err {
				if !strings.Contains(errb, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb)
				}
			}
		})
	}
}
