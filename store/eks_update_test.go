package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"
)

var allModes = []string{ModeConfigMap, ModeAPIAndConfigMap, ModeAPI}

// TestAuthModeLadder tries every (from, to) pair of modes: only one step up the
// ladder CONFIG_MAP → API_AND_CONFIG_MAP → API is allowed (eks-api.md §3.5, §5.1).
func TestAuthModeLadder(t *testing.T) {
	allowed := map[[2]string]bool{
		{ModeConfigMap, ModeAPIAndConfigMap}: true,
		{ModeAPIAndConfigMap, ModeAPI}:       true,
	}
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		root := rootCaller(t, db)
		for _, from := range allModes {
			for _, to := range append(allModes, "BOGUS", "config_map", "") {
				name := fmt.Sprintf("c-%s-to-%s", from, to)
				t.Run(name, func(t *testing.T) {
					k := makeCluster(t, db, name, from, root)
					before := dump(t, db)
					u, err := db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: to})
					if !allowed[[2]string{from, to}] {
						wantErr(t, err, KindInvalidParameter, fmt.Sprintf("Unsupported authentication mode update from %s to %s", from, to))
						if got := dump(t, db); got != before {
							t.Fatalf("refused update changed the database:\nbefore:\n%s\nafter:\n%s", before, got)
						}
						c := must[Cluster](t)(db.GetCluster(ctx, k))
						if c.AuthMode != from {
							t.Fatalf("mode after refused update = %s, want %s", c.AuthMode, from)
						}
						return
					}
					noErr(t, err)
					if u.Type != UpdateAccessConfig || u.Status != UpdateSuccessful {
						t.Fatalf("update = %+v, want a Successful AccessConfigUpdate", u)
					}
					want := []UpdateParam{{Type: ParamAuthMode, Value: strconv.Quote(to)}}
					if fmt.Sprint(u.Params) != fmt.Sprint(want) {
						t.Fatalf("params = %v, want %v", u.Params, want)
					}
					c := must[Cluster](t)(db.GetCluster(ctx, k))
					if c.AuthMode != to {
						t.Fatalf("mode = %s, want %s", c.AuthMode, to)
					}
				})
			}
		}
	})
}

// TestLadderWalk climbs the whole ladder on one cluster and then finds every
// further step refused.
func TestLadderWalk(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		k := makeCluster(t, db, "walk", ModeConfigMap, rootCaller(t, db))
		for _, to := range []string{ModeAPIAndConfigMap, ModeAPI} {
			must[Update](t)(db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: to}))
		}
		for _, to := range allModes {
			_, err := db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: to})
			wantErr(t, err, KindInvalidParameter, "Unsupported authentication mode update from API to "+to)
		}
		ids, _ := must2(t)(db.ListUpdates(ctx, k, Page{}))
		if len(ids) != 2 {
			t.Fatalf("ListUpdates = %v, want the two successful updates", ids)
		}
	})
}

func must2(t testing.TB) func(ids []string, next string, err error) ([]string, string) {
	return func(ids []string, next string, err error) ([]string, string) {
		t.Helper()
		noErr(t, err)
		return ids, next
	}
}

func TestCreateClusterModeRules(t *testing.T) {
	f := false
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		root := rootCaller(t, db)
		tests := []struct {
			name      string
			mode      string
			bootstrap *bool
			version   string
			wantMode  string
			wantErr   string
		}{
			{name: "default", wantMode: ModeConfigMap},
			{name: "api", mode: ModeAPI, wantMode: ModeAPI},
			{name: "both", mode: ModeAPIAndConfigMap, wantMode: ModeAPIAndConfigMap},
			{name: "api-nobootstrap", mode: ModeAPI, bootstrap: &f, wantMode: ModeAPI},
			{name: "cm-nobootstrap", mode: ModeConfigMap, bootstrap: &f, wantErr: "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP"},
			{name: "default-nobootstrap", bootstrap: &f, wantErr: "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP"},
			{name: "bogus", mode: "api", wantErr: "Unsupported authentication mode api"},
			{name: "old-version", version: "1.20", wantErr: "unsupported Kubernetes version"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := dump(t, db)
				c, err := db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: tc.name, Version: tc.version, RoleARN: "arn:aws:iam::111122223333:role/eks", AuthMode: tc.mode, BootstrapAdmin: tc.bootstrap, Creator: root})
				if tc.wantErr != "" {
					wantErr(t, err, KindInvalidParameter, tc.wantErr)
					if got := dump(t, db); got != before {
						t.Fatalf("refused CreateCluster changed the database")
					}
					return
				}
				noErr(t, err)
				if c.AuthMode != tc.wantMode || c.Status != StatusCreating || c.Version != DefaultVersion {
					t.Fatalf("cluster = mode %s status %s version %s", c.AuthMode, c.Status, c.Version)
				}
				wantEntries := 1
				if tc.bootstrap != nil && !*tc.bootstrap {
					wantEntries = 0
				}
				if n := count(t, db, "access_entries e JOIN clusters c ON c.id = e.cluster_id", "c.name = ?", tc.name); n != wantEntries {
					t.Fatalf("bootstrap entries = %d, want %d", n, wantEntries)
				}
			})
		}
	})
}

// TestUpdateLifecycle checks the status derived from completes_at: the update
// is InProgress, the cluster UPDATING and the old mode in force until the
// injected clock reaches completes_at; then Successful, ACTIVE and the new mode.
func TestUpdateLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, clock *testClock) {
		ctx := context.Background()
		k := makeCluster(t, db, "lc", ModeConfigMap, rootCaller(t, db))
		const delay = 10 * time.Second
		u := must[Update](t)(db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: ModeAPIAndConfigMap, Delay: delay}))
		if u.Status != UpdateInProgress {
			t.Fatalf("new update status = %s, want InProgress", u.Status)
		}
		check := func(id, wantStatus, wantUpdate, wantMode string) {
			t.Helper()
			c := must[Cluster](t)(db.GetCluster(ctx, k))
			if c.Status != wantStatus || c.AuthMode != wantMode {
				t.Fatalf("at %s: cluster status %s mode %s, want %s %s", clock.Now(), c.Status, c.AuthMode, wantStatus, wantMode)
			}
			got := must[Update](t)(db.DescribeUpdate(ctx, k, id))
			if got.Status != wantUpdate {
				t.Fatalf("at %s: update status %s, want %s", clock.Now(), got.Status, wantUpdate)
			}
			all := must[[]Cluster](t)(db.AllClusters(ctx))
			if len(all) != 1 || all[0].Status != wantStatus || all[0].AuthMode != wantMode {
				t.Fatalf("AllClusters disagrees with GetCluster: %+v", all)
			}
		}
		check(u.ID, StatusUpdating, UpdateInProgress, ModeConfigMap)

		// While in progress: access-entry APIs still see CONFIG_MAP, and a second update is refused.
		_, _, err := db.ListAccessEntries(ctx, k, "", Page{})
		wantErr(t, err, KindInvalidRequest, "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.")
		for _, in := range []UpdateConfigInput{
			{Type: UpdateAccessConfig, AuthMode: ModeAPI},
			{Type: UpdateAccessConfig, AuthMode: ModeAPIAndConfigMap},
			{Type: "LoggingUpdate", Params: []UpdateParam{{Type: "ClusterLogging", Value: "{}"}}},
		} {
			_, err = db.UpdateClusterConfig(ctx, k, in)
			wantErr(t, err, KindInUse, fmt.Sprintf("Cannot %s because cluster lc currently has update %s in progress", in.Type, u.ID))
		}

		clock.Advance(delay - time.Millisecond)
		check(u.ID, StatusUpdating, UpdateInProgress, ModeConfigMap)

		clock.Advance(time.Millisecond) // exactly completes_at
		check(u.ID, StatusActive, UpdateSuccessful, ModeAPIAndConfigMap)
		arns, _ := must2(t)(db.ListAccessEntries(ctx, k, "", Page{}))
		if len(arns) != 1 || arns[0] != "arn:aws:iam::111122223333:root" {
			t.Fatalf("entries after the switch = %v, want the creator's bootstrap entry", arns)
		}

		// The next step of the ladder is now possible, and a retry with the same
		// client request token returns the same update.
		u2 := must[Update](t)(db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: ModeAPI, Delay: delay, ClientRequestToken: "tok"}))
		again := must[Update](t)(db.UpdateClusterConfig(ctx, k, UpdateConfigInput{Type: UpdateAccessConfig, AuthMode: ModeAPI, Delay: delay, ClientRequestToken: "tok"}))
		if again.ID != u2.ID {
			t.Fatalf("retry with the same token created update %s, want %s", again.ID, u2.ID)
		}
		check(u2.ID, StatusUpdating, UpdateInProgress, ModeAPIAndConfigMap)
		clock.Advance(delay)
		check(u2.ID, StatusActive, UpdateSuccessful, ModeAPI)
		ids, _ := must2(t)(db.ListUpdates(ctx, k, Page{}))
		if fmt.Sprint(ids) != fmt.Sprint([]string{u.ID, u2.ID}) {
			t.Fatalf("ListUpdates = %v, want [%s %s]", ids, u.ID, u2.ID)
		}
	})
}

func TestDescribeUpdateUnknown(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		k := makeCluster(t, db, "c", ModeAPI, rootCaller(t, db))
		_, err := db.DescribeUpdate(ctx, k, "nope")
		wantErr(t, err, KindNotFound, "No update found for ID: nope")
		_, err = db.DescribeUpdate(ctx, ClusterKey{Account: testAccount, Region: testRegion, Name: "missing"}, "nope")
		wantErr(t, err, KindNotFound, "No cluster found for name: missing.")
		// A cluster of the same name in another region is a different cluster.
		_, err = db.GetCluster(ctx, ClusterKey{Account: testAccount, Region: "eu-west-1", Name: "c"})
		wantErr(t, err, KindNotFound, "No cluster found for name: c.")
	})
}

// TestConfigUpdateMerges checks that a non-access update replaces only the
// members it names and keeps the rest of the configuration.
func TestConfigUpdateMerges(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		c := must[Cluster](t)(db.CreateCluster(ctx, CreateClusterInput{Region: testRegion, Name: "m", RoleARN: "r", Creator: rootCaller(t, db),
			Config: []byte(`{"logging":{"a":1},"upgradePolicy":{"supportType":"STANDARD"}}`)}))
		must[Update](t)(db.UpdateClusterConfig(ctx, c.ClusterKey, UpdateConfigInput{Type: "LoggingUpdate", Config: map[string]json.RawMessage{"logging": json.RawMessage(`{"b":2}`)}}))
		got := must[Cluster](t)(db.GetCluster(ctx, c.ClusterKey))
		if string(got.Config) != `{"logging":{"b":2},"upgradePolicy":{"supportType":"STANDARD"}}` {
			t.Fatalf("config = %s", got.Config)
		}
		// MergeConfig sets members of an object member and keeps the others.
		for _, change := range []string{`{"endpointPrivateAccess":true}`, `{"publicAccessCidrs":["10.0.0.0/8"]}`} {
			must[Update](t)(db.UpdateClusterConfig(ctx, c.ClusterKey, UpdateConfigInput{Type: "EndpointAccessUpdate",
				MergeConfig: map[string]json.RawMessage{"resourcesVpcConfig": json.RawMessage(change)}}))
		}
		got = must[Cluster](t)(db.GetCluster(ctx, c.ClusterKey))
		want := `{"logging":{"b":2},"resourcesVpcConfig":{"endpointPrivateAccess":true,"publicAccessCidrs":["10.0.0.0/8"]},"upgradePolicy":{"supportType":"STANDARD"}}`
		if string(got.Config) != want {
			t.Fatalf("config = %s, want %s", got.Config, want)
		}
	})
}
