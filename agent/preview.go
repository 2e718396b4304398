package agent

import (
	"context"
	"log/slog"

	"github.com/qosagent/qosagent/vendors"
)

// preview records in res what the adapter would send for ch (and then to
// save it), and what writing the backup back would send, when the adapter
// can say (vendors.Previewer); apply logs both at debug. A preview that
// fails is logged and left out: it never stops the run, and the write
// itself checks the same things again.
func (e *Engine) preview(a vendors.Adapter, res *SwitchResult, ch vendors.Change, before, target vendors.State) {
	p, ok := a.(vendors.Previewer)
	if !ok {
		return
	}
	// Built only when something is logged: With formats its attributes
	// at once, and this runs for every switch with a change.
	log := func() *slog.Logger { return e.logger().With("site", res.Site, "switch", res.Name) }
	cmds, err := p.Commands(ch)
	if err != nil {
		log().Warn("cannot preview the commands", "err", err)
		return
	}
	res.Commands = append(cmds, p.SaveCommands()...)
	if undo, err := Diff(target, before); err == nil && !undo.Empty() {
		if rb, err := p.Commands(undo); err == nil {
			res.RollbackCommands = rb
		} else {
			log().Warn("cannot preview the rollback", "err", err)
		}
	}
	if l := e.logger(); l.Enabled(context.Background(), slog.LevelDebug) {
		log().Debug("commands", "commands", res.Commands, "rollback", res.RollbackCommands)
	}
}
