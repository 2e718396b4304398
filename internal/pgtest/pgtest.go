// Package pgtest runs a real PostgreSQL server (Debian's postgresql
// package) for tests, on a free loopback port with its unix socket in a
// temporary directory, and stops it when the test ends.
//
// Facts about Debian 12's PostgreSQL 15 that Start works around, checked
// by running it here as root:
//   - The server binaries are not on PATH; they live in
//     /usr/lib/postgresql/<major>/bin (initdb, pg_ctl, postgres).
//   - initdb and postgres refuse to run as root ("initdb: error: cannot be
//     run as root", "root" execution of the PostgreSQL server is not
//     permitted). As root, Start runs them as the postgres system user
//     the package creates (nobody when it is missing), through
//     SysProcAttr.Credential, in a directory chowned to that user under
//     os.TempDir: t.TempDir's parent is 0700 root and not traversable.
//   - The package's own cluster (15/main on 5432) is not started in a
//     container (policy-rc.d denies it) and is not used: Start's server
//     has its own data directory and port, and listens on 127.0.0.1 and
//     a socket in its directory only (the default socket directory
//     /var/run/postgresql may be missing or belong to another server).
//   - Authentication is trust, for loopback and the socket only; the
//     superuser is named postgres whatever user runs the server.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/qosagent/qosagent/internal/peer"
)

// startTimeout bounds initdb plus the server's start.
const startTimeout = 60 * time.Second

// Start runs a fresh PostgreSQL server for t and returns the URL of its
// postgres database as the superuser postgres. The server and its files
// go away when t ends.
func Start(t testing.TB) (dsn string) {
	t.Helper()
	bin, err := BinDir()
	if err != nil {
		peer.Missing(t, "PostgreSQL", "apt-get install postgresql", err)
	}
	cred, err := runAs()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dir, err := os.MkdirTemp("", "qosagent-pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := chown(dir, cred); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := chown(sock, cred); err != nil {
		t.Fatalf("pgtest: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	initdb := command(ctx, cred, dir, filepath.Join(bin, "initdb"),
		"-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	// Trust, but only on loopback and the socket; nothing else is listed.
	hba := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatalf("pgtest: %v", err)
	}

	// A port picked free can be taken before the server binds it; the
	// server then exits at once and another port is tried.
	for attempt := 1; ; attempt++ {
		port, err := peer.FreeTCPPort()
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		dsn, err := serve(t, ctx, cred, bin, dir, data, sock, port)
		if err == nil {
			return dsn
		}
		if attempt == 3 || ctx.Err() != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
}

// serve starts the server on port and waits until it accepts connections.
func serve(t testing.TB, ctx context.Context, cred *syscall.Credential, bin, dir, data, sock string, port int) (string, error) {
	logPath := filepath.Join(dir, fmt.Sprintf("postgres-%d.log", port))
	logf, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer logf.Close() // the child has its own copy
	// Not bound to ctx: the server outlives Start, until cleanup.
	cmd := command(context.Background(), cred, dir, filepath.Join(bin, "postgres"),
		"-D", data, "-p", strconv.Itoa(port), "-k", sock,
		"-c", "listen_addresses=127.0.0.1",
		// A throwaway cluster: durability only costs time.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the test binary dies without cleanup, the server does not
	// linger: SIGQUIT is PostgreSQL's immediate shutdown.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		// SIGINT is the fast shutdown: open sessions are ended.
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}

	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	for {
		select {
		case <-exited:
			return "", fmt.Errorf("postgres exited on port %d:\n%s", port, readLog(logPath))
		case <-ctx.Done():
			stop()
			return "", fmt.Errorf("postgres did not start in %v:\n%s", startTimeout, readLog(logPath))
		case <-time.After(50 * time.Millisecond):
		}
		if ping(ctx, dsn) == nil {
			t.Cleanup(stop)
			return dsn, nil
		}
	}
}

func ping(ctx context.Context, dsn string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

func readLog(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// NewDatabase creates an empty database on the server of serverDSN (as
// returned by Start) and returns its URL, so that tests sharing a server
// do not see each other's tables. The database is dropped when t ends.
func NewDatabase(t testing.TB, serverDSN string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := execSQL(ctx, serverDSN, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// WITH (FORCE) ends sessions a failed test left open.
		if err := execSQL(ctx, serverDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return strings.Replace(serverDSN, "/postgres?", "/"+name+"?", 1)
}

func execSQL(ctx context.Context, dsn, sql string) error {
	c, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql).ReadAll()
	return err
}

// BinDir finds the directory of initdb and postgres: Debian's newest
// /usr/lib/postgresql/<major>/bin, else the one of initdb on PATH.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if usable(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && usable(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin or on PATH")
}

func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func usable(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// runAs is who runs initdb and postgres: nil (this process's user) unless
// that is root, which both refuse.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root and neither the postgres nor the nobody user exists to run PostgreSQL")
}

func chown(path string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	return os.Chown(path, int(cred.Uid), int(cred.Gid))
}

// command runs name as cred in dir, with an environment of its own: the
// server must not inherit PG* variables or a HOME it cannot read.
func command(ctx context.Context, cred *syscall.Credential, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "LC_ALL=C", "TZ=UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	return cmd
}
