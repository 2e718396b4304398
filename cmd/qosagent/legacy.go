package main

import (
	"fmt"
	"github.com/qosagent/qosagent/agent"
)

// switchEngine is an engine for one switch (restore): no fleet pacing.
func (a *app) switchEngine(p agent.Policy) (*agent.Engine, error) {
	t := a.v.GetDuration("timeout")
	if t <= 0 {
		return nil, invalid(fmt.Errorf("--timeout %s: expected a positive duration", t))
	}
	return &agent.Engine{Registry: a.registry, Policy: p, Concurrency: 1, Timeout: t, Logger: a.log, Progress: a.progress()}, nil
}
