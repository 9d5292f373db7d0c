package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

const (
	testAccount = "111122223333"
	otherAcct   = "444455556666"
	testRegion  = "us-east-1"
	rootKeyID   = "AKIAIOSFODNN7EXAMPLE"
	rootSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// testClock is a manually advanced clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// backend is one way of opening a store: on a file or in memory.
type backend struct {
	name string
	path func(t *testing.T) string
}

var backends = []backend{
	{"file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "eksemu.db") }},
	{"memory", func(*testing.T) string { return "" }},
}

// eachBackend runs f once on a file-backed store and once on an in-memory store.
func eachBackend(t *testing.T, f func(t *testing.T, db *DB, clock *testClock)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			clock := newTestClock()
			db := openAt(t, b.path(t), clock, 1)
			f(t, db, clock)
		})
	}
}

// openAt opens a store at path ("" = in memory) with a seeded ID generator and
// the default account (with its root key); it is closed when the test ends.
func openAt(t testing.TB, path string, clock *testClock, seed uint64) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, Options{Path: path, Now: clock.Now, IDs: awsid.NewGenerator(awsid.SeededSource(seed))})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.EnsureAccount(ctx, testAccount, rootKeyID, rootSecret); err != nil {
		t.Fatalf("EnsureAccount: %v", err)
	}
	return db
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr checks that err is a *Error of kind k whose message is msg ("" = any message).
func wantErr(t testing.TB, err error, k Kind, msg string) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("got error %v (%T), want a *store.Error of kind %q", err, err, k)
	}
	if se.Kind != k {
		t.Fatalf("got kind %q (%q), want %q", se.Kind, se.Message, k)
	}
	if msg != "" && se.Message != msg {
		t.Fatalf("got message\n  %q\nwant\n  %q", se.Message, msg)
	}
}

// rootCaller returns the default account's root as an authenticated caller.
func rootCaller(t testing.TB, db *DB) Caller {
	t.Helper()
	c, err := db.LookupAccessKey(context.Background(), rootKeyID)
	noErr(t, err)
	return c.Caller
}

// userCaller creates a user with an access key and returns it as a caller.
func userCaller(t testing.TB, db *DB, account, name, path string) Caller {
	t.Helper()
	ctx := context.Background()
	must[User](t)(db.CreateUser(ctx, account, name, path))
	k := must[AccessKey](t)(db.CreateAccessKey(ctx, account, name, "", ""))
	c, err := db.LookupAccessKey(ctx, k.ID)
	noErr(t, err)
	return c.Caller
}

// trustAccount is a trust policy admitting every principal of account.
func trustAccount(account string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, account)
}

// makeRole creates a role in the default account trusting that account.
func makeRole(t testing.TB, db *DB, name, path string) Role {
	t.Helper()
	return must[Role](t)(db.CreateRole(context.Background(), RoleInput{Account: testAccount, Name: name, Path: path, TrustPolicy: trustAccount(testAccount)}))
}

// makeCluster creates an ACTIVE cluster with the given mode, created by creator.
func makeCluster(t testing.TB, db *DB, name, mode string, creator Caller) ClusterKey {
	t.Helper()
	ctx := context.Background()
	c := must[Cluster](t)(db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: name, RoleARN: "arn:aws:iam::111122223333:role/eks", AuthMode: mode, Creator: creator}))
	noErr(t, db.SetClusterRuntime(ctx, c.ClusterKey, ClusterRuntime{Status: StatusActive}))
	return c.ClusterKey
}

// dump renders every row of every table, in a stable order, so a test can
// prove that a failed operation left the database exactly as it was.
func dump(t testing.TB, db *DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, n)
		}
		rows.Close()
		for _, table := range tables {
			fmt.Fprintf(&b, "== %s\n", table)
			rs, err := tx.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY 1, 2`)
			if err != nil {
				return err
			}
			cols, _ := rs.Columns()
			for rs.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rs.Scan(ptrs...); err != nil {
					rs.Close()
					return err
				}
				for i, v := range vals {
					if bs, ok := v.([]byte); ok {
						v = string(bs)
					}
					fmt.Fprintf(&b, "%s=%v ", cols[i], v)
				}
				b.WriteString("\n")
			}
			if err := rs.Err(); err != nil {
				rs.Close()
				return err
			}
			rs.Close()
		}
		return nil
	})
	noErr(t, err)
	return b.String()
}

// count returns the number of rows of a table matching where.
func count(t testing.TB, db *DB, table, where string, args ...any) int {
	t.Helper()
	var n int
	ctx := context.Background()
	err := db.read(ctx, func(tx *sql.Tx) error {
		q := `SELECT count(*) FROM ` + table
		if where != "" {
			q += ` WHERE ` + where
		}
		return tx.QueryRowContext(ctx, q, args...).Scan(&n)
	})
	noErr(t, err)
	return n
}
