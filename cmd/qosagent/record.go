package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent/fleetrun"
	"github.com/qosagent/qosagent/agent/history"
)

// openHistory opens the history named by --history ("" = the default
// SQLite file); "none" disables it. Commands that only read it (existing)
// refuse to create a new one.
func (a *app) openHistory(ctx context.Context, existing bool) (history.Store, error) {
	return fleetrun.OpenHistory(ctx, a.v.GetString("history"), existing, a.log)
}

// checkRetention reads --history-retention (setup: before anything runs).
func (a *app) checkRetention(cmd *cobra.Command) error {
	s := a.v.GetString("history-retention")
	if s == "" {
		return nil
	}
	d, err := parseAge(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("%s %q: expected a positive age such as 90d or 2160h", a.source(cmd, "history-retention"), s)
	}
	a.retention = d
	return nil
}
