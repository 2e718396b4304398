package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qosagent/qosagent/agent/history"
	"github.com/qosagent/qosagent/agent/record"
	"github.com/qosagent/qosagent/inventory"
)

// historyOpenTimeout bounds opening the history: an unreachable PostgreSQL
// server must not hold an hourly audit for the kernel's TCP timeout.
const historyOpenTimeout = 30 * time.Second

// openHistory opens the history named by --history ("" = the default
// SQLite file); "none" disables it. The store's errors name it, redacted.
// Commands that only read it (existing) refuse to create a new one.
func (a *app) openHistory(ctx context.Context, existing bool) (history.Store, error) {
	dsn := a.v.GetString("history")
	if dsn == "none" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, historyOpenTimeout)
	defer cancel()
	return history.Open(ctx, dsn, history.Options{Logger: a.log, MustExist: existing})
}

// startRun records the start of a run in store (nil: nothing is recorded).
// With --history-retention set, the history is pruned after the run.
func (a *app) startRun(ctx context.Context, store history.Store, command string, dryRun bool, scope string) (*record.Recorder, error) {
	inv, _ := filepath.Abs(a.v.GetString("inventory"))
	return record.Start(ctx, store, record.Run{Command: command, DryRun: dryRun, Scope: scope, Inventory: inv, Retention: a.retention}, a.log)
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

// scopeString describes the run's scope for the history.
func (a *app) scopeString() string {
	var parts []string
	if s := a.names("site"); len(s) > 0 {
		parts = append(parts, "site="+strings.Join(s, ","))
	}
	if s := a.names("switch"); len(s) > 0 {
		parts = append(parts, "switch="+strings.Join(s, ","))
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// lockSites takes the apply lock of every site in scope (record.LockSites).
func (a *app) lockSites(ctx context.Context, store history.Store, sws []inventory.Switch) (func(), error) {
	release, err := record.LockSites(ctx, store, sws, a.v.GetDuration("wait-lock"), a.log)
	if err != nil {
		return nil, failed(err)
	}
	return release, nil
}
