package main

import (
	"errors"
	"fmt"
	"github.com/qosagent/qosagent/agent"
	"github.com/qosagent/qosagent/inventory"
	"github.com/spf13/cobra"
	"time"
)

// switchEngine is an engine for one switch (restore): no fleet pacing.
func (a *app) switchEngine(p agent.Policy) (*agent.Engine, error) {
	t := a.v.GetDuration("timeout")
	if t <= 0 {
		return nil, invalid(fmt.Errorf("--timeout %s: expected a positive duration", t))
	}
	return &agent.Engine{Registry: a.registry, Policy: p, Concurrency: 1, Timeout: t, Logger: a.log, Progress: a.progress()}, nil
}

// fleet loads inventory and policy, selects the switches in scope and builds
// the engine; every error is invalid input and nothing is contacted. The
// switches in scope come back with an error found after they were known,
// so that the report can list them as skipped.
func (a *app) fleet(cmd *cobra.Command) ([]inventory.Switch, *agent.Engine, error) {
	inv, err := a.loadInventory()
	if err != nil {
		return nil, nil, err
	}
	sws, err := inv.Select(a.names("site"), a.names("switch"))
	if err != nil {
		return nil, nil, invalid(err)
	}
	if len(sws) == 0 {
		return nil, nil, invalid(errors.New("no switch in scope"))
	}
	p, err := a.loadPolicy(inv)
	if err != nil {
		return sws, nil, err
	}
	a.policy = &p
	eng, err := a.engine(cmd, p)
	if err != nil {
		return sws, nil, err
	}
	// --patience and --save-timeout replace every switch's own.
	var d [2]time.Duration
	for i, name := range []string{"patience", "save-timeout"} {
		d[i] = a.v.GetDuration(name)
		if d[i] < 0 || d[i] > 30*time.Minute {
			return sws, nil, invalid(fmt.Errorf("%s %s: expected 0 (the inventory's) up to 30m", a.source(cmd, name), d[i]))
		}
	}
	for i := range sws {
		sws[i].Override(d[0], d[1])
	}
	return sws, eng, nil
}
