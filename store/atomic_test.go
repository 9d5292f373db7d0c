package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// TestCascadeDeletes: deleting a cluster removes its updates, entries,
// associations and tags; deleting an entry removes its associations and tags.
// Nothing of other clusters or entries is touched.
func TestCascadeDeletes(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		root := rootCaller(t, db)
		populate := func(name string) (ClusterKey, []string) {
			c := must[Cluster](t)(db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: name, RoleARN: "r", AuthMode: ModeAPI, Creator: root, Tags: map[string]string{"team": name}}))
			var arns []string
			for i := range 3 {
				n := fmt.Sprintf("%s-u%d", name, i)
				u := must[User](t)(db.CreateUser(ctx, testAccount, n, "/"))
				e := must[AccessEntry](t)(db.CreateAccessEntry(ctx, c.ClusterKey, CreateAccessEntryInput{PrincipalARN: u.ARN, Tags: map[string]string{"k": n, "x": "y"}}))
				must[AssociatedPolicy](t)(db.AssociateAccessPolicy(ctx, c.ClusterKey, u.ARN, db.PolicyARN("AmazonEKSViewPolicy"), AccessScope{Type: ScopeCluster}))
				must[AssociatedPolicy](t)(db.AssociateAccessPolicy(ctx, c.ClusterKey, u.ARN, db.PolicyARN("AmazonEKSEditPolicy"), AccessScope{Type: ScopeNamespace, Namespaces: []string{"a"}}))
				arns = append(arns, e.ARN)
			}
			must[Update](t)(db.UpdateClusterConfig(ctx, c.ClusterKey, UpdateConfigInput{Type: "LoggingUpdate"}))
			return c.ClusterKey, arns
		}
		k1, entries1 := populate("one")
		k2, entries2 := populate("two")
		totals := func() [5]int {
			return [5]int{count(t, db, "access_entries", ""), count(t, db, "access_entry_tags", ""), count(t, db, "access_policy_associations", ""),
				count(t, db, "cluster_tags", ""), count(t, db, "cluster_updates", "")}
		}
		// Per cluster: 4 entries (3 + bootstrap), 6 entry tags, 7 associations (6 + admin), 1 cluster tag, 1 update.
		if got := totals(); got != [5]int{8, 12, 14, 2, 2} {
			t.Fatalf("rows before deletes = %v", got)
		}

		// Entry → its associations and tags.
		noErr(t, db.DeleteAccessEntry(ctx, k1, "arn:aws:iam::111122223333:user/one-u0"))
		if got := totals(); got != [5]int{7, 10, 12, 2, 2} {
			t.Fatalf("rows after deleting one entry = %v", got)
		}
		_, err := db.ListTagsForResource(ctx, entries1[0])
		wantErr(t, err, KindNotFound, "Resource "+entries1[0]+" not found")
		tags := must[map[string]string](t)(db.ListTagsForResource(ctx, entries1[1]))
		if tags["k"] != "one-u1" {
			t.Fatalf("tags of a sibling entry = %v", tags)
		}
		err = db.DeleteAccessEntry(ctx, k1, "arn:aws:iam::111122223333:user/one-u0")
		wantErr(t, err, KindNotFound, "")

		// Cluster → everything of it.
		gone := must[Cluster](t)(db.DeleteCluster(ctx, k1))
		if gone.Status != StatusDeleting || gone.Tags["team"] != "one" {
			t.Fatalf("deleted cluster = %+v", gone)
		}
		if got := totals(); got != [5]int{4, 6, 7, 1, 1} {
			t.Fatalf("rows after deleting a cluster = %v", got)
		}
		_, err = db.GetCluster(ctx, k1)
		wantErr(t, err, KindNotFound, "No cluster found for name: one.")
		_, err = db.DeleteCluster(ctx, k1)
		wantErr(t, err, KindNotFound, "No cluster found for name: one.")
		for _, a := range entries1[1:] {
			err = db.TagResource(ctx, a, map[string]string{"z": "1"})
			wantErr(t, err, KindNotFound, "")
		}
		// The other cluster is whole.
		arns, _ := must2(t)(db.ListAccessEntries(ctx, k2, "", Page{}))
		if len(arns) != 4 {
			t.Fatalf("entries of the other cluster = %v", arns)
		}
		for _, a := range entries2 {
			if tags := must[map[string]string](t)(db.ListTagsForResource(ctx, a)); len(tags) != 2 {
				t.Fatalf("tags of %s = %v", a, tags)
			}
		}
		// A re-created cluster of the same name starts empty.
		nk := makeCluster(t, db, "one", ModeAPI, root)
		arns, _ = must2(t)(db.ListAccessEntries(ctx, nk, "", Page{}))
		if len(arns) != 1 {
			t.Fatalf("entries of the re-created cluster = %v", arns)
		}
		ids, _ := must2(t)(db.ListUpdates(ctx, nk, Page{}))
		if len(ids) != 0 {
			t.Fatalf("updates of the re-created cluster = %v", ids)
		}
	})
}

// failOn installs a trigger that aborts a statement on table (when cond
// holds, if given), so an operation fails after its earlier statements ran,
// inside its transaction.
func failOn(t *testing.T, db *DB, when, table, cond string) {
	t.Helper()
	ctx := context.Background()
	if cond != "" {
		cond = " WHEN " + cond
	}
	noErr(t, db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TRIGGER injected_failure `+when+` ON `+table+cond+` BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
		return err
	}))
}

func dropFailure(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	noErr(t, db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DROP TRIGGER injected_failure`)
		return err
	}))
}

// TestAtomicity makes operations fail midway — after some of their statements
// ran — and checks that the database is exactly as it was before the call.
func TestAtomicity(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		root := rootCaller(t, db)
		alice := userCaller(t, db, testAccount, "alice", "/")
		k := makeCluster(t, db, "base", ModeConfigMap, root)
		api := makeCluster(t, db, "api", ModeAPI, root)
		apiARN := "arn:aws:eks:us-east-1:111122223333:cluster/api"
		entryARN := must[AccessEntry](t)(db.CreateAccessEntry(ctx, api, CreateAccessEntryInput{PrincipalARN: alice.ARN, Tags: map[string]string{"a": "1"}})).ARN
		must[User](t)(db.CreateUser(ctx, testAccount, "bob", "/"))
		makeRole(t, db, "assumable", "/")
		noErr(t, db.TagResource(ctx, apiARN, map[string]string{"x": "1", "y": "2"}))
		must[AccessKey](t)(db.CreateAccessKey(ctx, testAccount, "alice", "", ""))

		type failure struct{ when, table, cond string }
		tests := []struct {
			name   string
			inject failure // zero: the input itself makes the operation fail
			op     func() error
			kind   Kind
		}{
			{"CreateCluster with a bad bootstrap creator", failure{}, func() error {
				bad := root
				bad.PrincipalARN = "not-an-arn"
				_, err := db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: "new", RoleARN: "r", Creator: bad, Tags: map[string]string{"t": "1"}})
				return err
			}, KindInternal},
			{"CreateCluster failing on the bootstrap entry", failure{"BEFORE INSERT", "access_entries", ""}, func() error {
				_, err := db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: "new", RoleARN: "r", Creator: alice, Tags: map[string]string{"t": "1"}})
				return err
			}, KindInternal},
			{"CreateCluster failing on the bootstrap association", failure{"BEFORE INSERT", "access_policy_associations", ""}, func() error {
				_, err := db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: "new", RoleARN: "r", Creator: alice, Tags: map[string]string{"t": "1"}})
				return err
			}, KindInternal},
			{"CreateRole naming a principal that does not exist", failure{}, func() error {
				_, err := db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "r1", TrustPolicy: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/nobody"},"Action":"sts:AssumeRole"}]}`})
				return err
			}, KindMalformedPolicy},
			{"CreateRole with malformed JSON", failure{}, func() error {
				_, err := db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "r1", TrustPolicy: `{`})
				return err
			}, KindMalformedPolicy},
			{"CreateRole with a taken name", failure{}, func() error {
				_, err := db.CreateRole(ctx, RoleInput{Account: testAccount, Name: "ASSUMABLE", TrustPolicy: trustAccount(testAccount)})
				return err
			}, KindAlreadyExists},
			{"CreateAccessEntry with tags failing after the insert", failure{"BEFORE UPDATE", "access_entries", ""}, func() error {
				_, err := db.CreateAccessEntry(ctx, api, CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/bob", Tags: map[string]string{"a": "1", "b": "2"}, ClientRequestToken: "tok"})
				return err
			}, KindInternal},
			{"CreateAccessEntry failing on its second tag", failure{"BEFORE INSERT", "access_entry_tags", "NEW.key = 'b'"}, func() error {
				_, err := db.CreateAccessEntry(ctx, api, CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/bob", Tags: map[string]string{"a": "1", "b": "2"}})
				return err
			}, KindInternal},
			{"TagResource over the quota", failure{}, func() error {
				tags := map[string]string{}
				for i := range 50 {
					tags[fmt.Sprintf("k%02d", i)] = "v"
				}
				return db.TagResource(ctx, entryARN, tags) // 1 existing + 50 new
			}, KindInvalidParameter},
			{"UntagResource failing on its second key", failure{"AFTER DELETE", "cluster_tags", "OLD.key = 'y'"}, func() error {
				return db.UntagResource(ctx, apiARN, []string{"x", "y"})
			}, KindInternal},
			{"UpdateClusterConfig failing after the mode change", failure{"BEFORE INSERT", "cluster_updates", ""}, func() error {
				_, err := db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: ModeAPIAndConfigMap, Delay: time.Second})
				return err
			}, KindInternal},
			{"UpdateClusterConfig failing after the config merge", failure{"BEFORE INSERT", "cluster_updates", ""}, func() error {
				_, err := db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: "LoggingUpdate", Config: map[string]json.RawMessage{"logging": json.RawMessage(`{"x":1}`)}})
				return err
			}, KindInternal},
			{"DeleteCluster failing in the cascade", failure{"BEFORE DELETE", "access_policy_associations", ""}, func() error {
				_, err := db.DeleteCluster(ctx, api)
				return err
			}, KindInternal},
			{"DeleteAccessEntry failing in the cascade", failure{"BEFORE DELETE", "access_entry_tags", ""}, func() error {
				return db.DeleteAccessEntry(ctx, api, alice.ARN)
			}, KindInternal},
			{"AssociateAccessPolicy failing", failure{"BEFORE INSERT", "access_policy_associations", ""}, func() error {
				_, err := db.AssociateAccessPolicy(ctx, api, alice.ARN, db.PolicyARN("AmazonEKSViewPolicy"), AccessScope{Type: ScopeCluster})
				return err
			}, KindInternal},
			{"EnsureAccount failing on the root key", failure{"BEFORE INSERT", "access_keys", ""}, func() error {
				return db.EnsureAccount(ctx, "999988887777", "AKIAEXAMPLEEXAMPLE99", "secret")
			}, KindInternal},
			{"CreateAccessKey past the quota", failure{}, func() error {
				_, err := db.CreateAccessKey(ctx, testAccount, "alice", "", "") // alice has two keys
				return err
			}, KindLimitExceeded},
			{"AssumeRole failing on the session insert", failure{"BEFORE INSERT", "sessions", ""}, func() error {
				_, err := db.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:role/assumable", SessionName: "s1"})
				return err
			}, KindInternal},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if tc.inject.when != "" {
					failOn(t, db, tc.inject.when, tc.inject.table, tc.inject.cond)
					defer dropFailure(t, db)
				}
				before := dump(t, db)
				err := tc.op()
				wantErr(t, err, tc.kind, "")
				if after := dump(t, db); after != before {
					t.Fatalf("the failed operation changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			})
		}
		// Without the injected failures the same operations succeed, so the
		// failures above came from the triggers and not from the inputs.
		must[Cluster](t)(db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: "new", RoleARN: "r", Creator: alice, Tags: map[string]string{"t": "1"}}))
		must[AccessEntry](t)(db.CreateAccessEntry(ctx, api, CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/bob", Tags: map[string]string{"a": "1", "b": "2"}}))
		noErr(t, db.UntagResource(ctx, apiARN, []string{"x", "y"}))
		must[Update](t)(db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: ModeAPIAndConfigMap}))
		must[Session](t)(db.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:role/assumable", SessionName: "s1"}))
		must[Cluster](t)(db.DeleteCluster(ctx, api))
	})
}

// TestReopen checks that a file store keeps its state across Close/Open and
// that migrations are applied once.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eksemu.db")
	clock := newTestClock()
	ctx := context.Background()
	db, err := Open(ctx, Options{Path: path, Now: clock.Now, IDs: awsid.NewGenerator(awsid.SeededSource(7))})
	noErr(t, err)
	noErr(t, db.EnsureAccount(ctx, testAccount, rootKeyID, rootSecret))
	alice := userCaller(t, db, testAccount, "alice", "/")
	k := makeCluster(t, db, "keep", ModeAPI, alice)
	must[Update](t)(db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: "LoggingUpdate", Delay: 0}))
	before := dump(t, db)
	noErr(t, db.Close())

	db2, err := Open(ctx, Options{Path: path, Now: clock.Now, IDs: awsid.NewGenerator(awsid.SeededSource(8))})
	noErr(t, err)
	defer db2.Close()
	if after := dump(t, db2); after != before {
		t.Fatalf("state after reopen differs:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	noErr(t, err)
	if n := count(t, db2, "schema_migrations", ""); n != len(files) || n == 0 {
		t.Fatalf("%d migrations recorded, want each of the %d once", n, len(files))
	}
	c, err := db2.LookupAccessKey(ctx, alice.AccessKeyID)
	noErr(t, err)
	if c.Caller.ARN != alice.ARN {
		t.Fatalf("key of alice resolves to %s after reopen", c.Caller.ARN)
	}
}

// TestInMemoryStoresAreIsolated opens two in-memory stores at once with the
// same seeded generator: each must have its own database.
func TestInMemoryStoresAreIsolated(t *testing.T) {
	a := openAt(t, "", newTestClock(), 1)
	b := openAt(t, "", newTestClock(), 1)
	ctx := context.Background()
	must[User](t)(a.CreateUser(ctx, testAccount, "only-in-a", "/"))
	_, err := b.GetUser(ctx, testAccount, "only-in-a")
	wantErr(t, err, KindNotFound, "")
	must[User](t)(b.CreateUser(ctx, testAccount, "only-in-a", "/"))
	noErr(t, a.Close())
	// b survives a's Close.
	must[User](t)(b.GetUser(ctx, testAccount, "only-in-a"))
}
