package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/eksemu/eksemu/awsid"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options configure a DB.
type Options struct {
	// Path is the SQLite file. Empty means an in-memory database that vanishes on Close.
	Path string
	// Now is the clock (time.Now in production).
	Now func() time.Time
	// IDs generates every identifier the store mints.
	IDs *awsid.Generator
	// Partition is the AWS partition of every ARN the store mints ("aws").
	Partition string
}

// DB is eksemu's state.
type DB struct {
	w, r      *sql.DB // writer (one connection, BEGIN IMMEDIATE) and readers
	now       func() time.Time
	ids       *awsid.Generator
	partition string
}

// Open opens (creating if needed) the database and applies pending migrations.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Now == nil || o.IDs == nil {
		return nil, errors.New("store: Options.Now and Options.IDs are required")
	}
	if o.Partition == "" {
		o.Partition = "aws"
	}
	db := &DB{now: o.Now, ids: o.IDs, partition: o.Partition}
	q := url.Values{}
	q.Set("_foreign_keys", "1")
	q.Set("_busy_timeout", "10000")
	q.Set("_txlock", "immediate")
	if o.Path == "" {
		// One shared connection: every pooled connection to ":memory:" would be a new, empty database.
		q.Set("mode", "memory")
		q.Set("cache", "shared")
		// The name must be unique in the process: stores opened with the same
		// seeded generator (tests) would otherwise share one shared-cache
		// database. The generator is still drawn from so that the IDs it mints
		// afterwards do not depend on this fix.
		dsn := "file:eksemu-" + o.IDs.HexGroups() + "-" + rand.Text() + "?" + q.Encode()
		w, err := sql.Open("sqlite3", dsn)
		if err != nil {
			return nil, internal("open", err)
		}
		w.SetMaxOpenConns(1)
		w.SetConnMaxLifetime(0)
		w.SetMaxIdleConns(1)
		db.w, db.r = w, w
	} else {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "FULL")
		base := "file:" + filepath.ToSlash(o.Path) + "?"
		w, err := sql.Open("sqlite3", base+q.Encode())
		if err != nil {
			return nil, internal("open", err)
		}
		w.SetMaxOpenConns(1)
		q.Set("_txlock", "deferred")
		r, err := sql.Open("sqlite3", base+q.Encode())
		if err != nil {
			_ = w.Close()
			return nil, internal("open", err)
		}
		r.SetMaxOpenConns(8)
		db.w, db.r = w, r
	}
	if err := db.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Now returns the store's clock reading.
func (db *DB) Now() time.Time { return db.now() }

// Partition returns the partition of the ARNs the store mints.
func (db *DB) Partition() string { return db.partition }

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return internal("migrate", err)
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return internal("migrate", err)
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return internal("migrate", err)
		}
		err = db.write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, db.now().UnixMilli())
			return err
		})
		if err != nil {
			return internal("migrate", err)
		}
	}
	return nil
}

// write runs fn in one write transaction and commits it if fn returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return internal("begin", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return internal("write", err)
	}
	return internal("commit", tx.Commit())
}

// read runs fn in one read transaction (a consistent snapshot).
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.r != db.w})
	if err != nil {
		return internal("begin", err)
	}
	defer func() { _ = tx.Rollback() }()
	return internal("read", fn(tx))
}

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique ||
		errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(...any) error }

// query runs q in tx and scans every row with scan.
func query[T any](ctx context.Context, tx *sql.Tx, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanOne scans a single-column row.
func scanOne[T any](row scanner) (v T, err error) {
	err = row.Scan(&v)
	return v, err
}

// more trims a look-ahead row of a limit+1 query: more is true when it was there.
func more[T any](items []T, limit int) ([]T, bool) {
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}
