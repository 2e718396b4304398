package inventory

import (
	"fmt"
	"os"
	"sort"
)

// FileProblem is something wrong with a file the inventory names.
type FileProblem struct {
	Path    string
	Field   string   // e.g. "ssh.key_file"
	Users   []string // the switches that use the file, "site/name"
	Warning bool     // true: the run goes on (e.g. a key readable by others)
	Message string
}

func (p FileProblem) String() string {
	users := p.Users[0]
	if len(p.Users) > 1 {
		users = fmt.Sprintf("%s and %d other switches", p.Users[0], len(p.Users)-1)
	}
	return fmt.Sprintf("%s %s (%s): %s", p.Field, p.Path, users, p.Message)
}

// CheckFiles checks the files a run of these switches would open that the
// loader does not read itself: SSH key files (must exist, be readable and,
// as OpenSSH requires, not readable by others) and known_hosts files (must
// exist unless acceptNewHostKeys, which creates them). Secret files
// (*_file) are read, and checked, when the inventory loads.
func CheckFiles(sws []Switch, transports map[string]Transport, acceptNewHostKeys bool) []FileProblem {
	type use struct{ field, path string }
	users := map[use][]string{}
	var order []use
	add := func(field, path string, sw Switch) {
		if path == "" {
			return
		}
		u := use{field, path}
		if users[u] == nil {
			order = append(order, u)
		}
		users[u] = append(users[u], sw.Site+"/"+sw.Name)
	}
	for _, sw := range sws {
		if transports[sw.Vendor] != TransportSSH {
			continue
		}
		add("ssh.key_file", sw.SSH.KeyFile, sw)
		add("ssh.known_hosts", sw.SSH.KnownHosts, sw)
	}
	var out []FileProblem
	for _, u := range order {
		p := FileProblem{Path: u.path, Field: u.field, Users: users[u]}
		st, err := os.Stat(u.path)
		switch {
		case err != nil && u.field == "ssh.known_hosts" && acceptNewHostKeys && os.IsNotExist(err):
			continue // --accept-new-host-keys creates it
		case os.IsNotExist(err) && u.field == "ssh.known_hosts":
			p.Message = "does not exist: every host key would be refused as unknown (add the switches' keys, or run once with --accept-new-host-keys)"
		case err != nil:
			p.Message = fmt.Sprintf("cannot be read: %v", err)
		case st.IsDir():
			p.Message = "is a folder, not a file"
		default:
			f, err := os.Open(u.path)
			if err != nil {
				p.Message = fmt.Sprintf("cannot be read: %v", err)
				break
			}
			f.Close()
			if u.field == "ssh.key_file" && st.Mode().Perm()&0o077 != 0 {
				p.Warning = true
				p.Message = fmt.Sprintf("is readable by group or others (mode %s); chmod 600 it", st.Mode().Perm())
			} else if u.field == "ssh.known_hosts" && st.Mode().Perm()&0o022 != 0 {
				p.Warning = true
				p.Message = fmt.Sprintf("is writable by group or others (mode %s): anyone could add a host key", st.Mode().Perm())
			}
		}
		if p.Message != "" {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return !out[i].Warning && out[j].Warning })
	return out
}
