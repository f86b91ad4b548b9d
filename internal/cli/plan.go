package cli

import "github.com/spf13/cobra"

// planCmd is replaced when the planner lands.
func planCmd() *cobra.Command {
	return &cobra.Command{Use: "plan", Short: "Plan the Home Assistant O365 integration's scopes", Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error { return usageErr("not yet") }}
}
