package pgtest

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestStart(t *testing.T) {
	var addr string
	t.Run("server", func(t *testing.T) {
		dsn := Start(t)
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		addr = u.Host
		if h, _, _ := net.SplitHostPort(addr); h != "127.0.0.1" {
			t.Errorf("server on %s, want loopback", addr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		db := NewDatabase(t, dsn)
		c, err := pgconn.Connect(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		res, err := c.Exec(ctx, "SELECT current_user, current_database() <> 'postgres', current_setting('listen_addresses')").ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		row := res[0].Rows[0]
		if got := string(row[0]); got != "postgres" {
			t.Errorf("current_user = %q, want postgres", got)
		}
		if string(row[1]) != "t" {
			t.Error("NewDatabase returned the server's postgres database")
		}
		if got := string(row[2]); got != "127.0.0.1" {
			t.Errorf("listen_addresses = %q, want 127.0.0.1", got)
		}
	})
	if t.Failed() || t.Skipped() || addr == "" {
		return
	}
	// The subtest's cleanup stopped the server.
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("server still listening on %s after cleanup", addr)
	}
}
