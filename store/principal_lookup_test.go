package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// TestEntryByPrincipalIDPlan: the principal-ID lookup of every webhook call is
// one seek of access_entries_principal_id, with no scan of the cluster's
// entries and no sort (authz's BenchmarkDecide grew with the number of
// entries while SQLite walked access_entries_principal_arn for the ORDER BY).
func TestEntryByPrincipalIDPlan(t *testing.T) {
	for _, path := range []string{filepath.Join(t.TempDir(), "eksemu.db"), ""} {
		now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		db, err := Open(context.Background(), Options{Path: path, Now: func() time.Time { return now }, IDs: awsid.NewGenerator(awsid.SeededSource(1))})
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		err = db.read(context.Background(), func(tx *sql.Tx) error {
			rows, err := tx.Query(`EXPLAIN QUERY PLAN SELECT `+entryCols+entryByPrincipalID, 1, "AIDAEXAMPLE")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			return rows.Err()
		})
		_ = db.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := "SEARCH access_entries USING INDEX access_entries_principal_id (cluster_id=? AND principal_id=?)"
		if len(plan) != 1 || plan[0] != want {
			t.Errorf("store %q: plan %q, want only %q (no TEMP B-TREE)", path, strings.Join(plan, "; "), want)
		}
	}
}
