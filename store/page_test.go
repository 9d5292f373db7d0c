package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// pageAll walks a listing page by page and fails on duplicates or a page
// larger than the limit.
func pageAll(t *testing.T, limit int, list func(p Page) ([]string, string, error)) []string {
	t.Helper()
	var all []string
	seen := map[string]bool{}
	token := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("pagination does not end")
		}
		items, next, err := list(Page{Token: token, Limit: limit})
		noErr(t, err)
		if len(items) > limit {
			t.Fatalf("page of %d items with limit %d", len(items), limit)
		}
		if next != "" && len(items) != limit {
			t.Fatalf("short page (%d of %d) with a next token", len(items), limit)
		}
		for _, it := range items {
			if seen[it] {
				t.Fatalf("item %q listed twice", it)
			}
			seen[it] = true
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		token = next
	}
}

func TestPagination(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		root := rootCaller(t, db)
		k := makeCluster(t, db, "pages", ModeAPI, root)

		// 37 entries whose ARNs sort in byte order, not in creation order.
		want := []string{root.ARN}
		r := rand.New(rand.NewPCG(1, 2))
		names := make([]string, 0, 37)
		for i := range 37 {
			names = append(names, fmt.Sprintf("%s-%02d", []string{"Zed", "alice", "Bob", "carol", "_x"}[i%5], i))
		}
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		for _, n := range names {
			u := must[User](t)(db.CreateUser(ctx, testAccount, n, "/"))
			must[AccessEntry](t)(db.CreateAccessEntry(ctx, k, CreateAccessEntryInput{PrincipalARN: u.ARN}))
			want = append(want, u.ARN)
		}
		sort.Strings(want)
		for _, limit := range []int{1, 2, 5, 7, 37, 38, 100} {
			got := pageAll(t, limit, func(p Page) ([]string, string, error) { return db.ListAccessEntries(ctx, k, "", p) })
			if !slices.Equal(got, want) {
				t.Fatalf("limit %d: entries\n%v\nwant\n%v", limit, got, want)
			}
		}
		// Limit 0 means 100.
		got, next, err := db.ListAccessEntries(ctx, k, "", Page{})
		noErr(t, err)
		if !slices.Equal(got, want) || next != "" {
			t.Fatalf("default page: %d entries, next %q", len(got), next)
		}

		// Filtered by policy: only the creator has the admin policy.
		got = pageAll(t, 1, func(p Page) ([]string, string, error) {
			return db.ListAccessEntries(ctx, k, db.PolicyARN(clusterAdminPolicy), p)
		})
		if !slices.Equal(got, []string{root.ARN}) {
			t.Fatalf("filtered listing = %v", got)
		}

		// Clusters.
		var clusters []string
		for i := range 12 {
			n := fmt.Sprintf("c%02d", 11-i)
			makeCluster(t, db, n, ModeAPI, root)
			clusters = append(clusters, n)
		}
		clusters = append(clusters, "pages")
		sort.Strings(clusters)
		got = pageAll(t, 5, func(p Page) ([]string, string, error) { return db.ListClusters(ctx, testAccount, testRegion, p) })
		if !slices.Equal(got, clusters) {
			t.Fatalf("clusters = %v, want %v", got, clusters)
		}
		if got, _, _ := db.ListClusters(ctx, testAccount, "eu-west-1", Page{}); len(got) != 0 {
			t.Fatalf("clusters of another region: %v", got)
		}

		// Updates: many share one creation millisecond, so the ID breaks the tie.
		uk := makeCluster(t, db, "upd", ModeConfigMap, root)
		var ids []string
		for i := range 9 {
			u := must[Update](t)(db.UpdateClusterConfig(ctx, uk, UpdateConfigInput{Type: "LoggingUpdate", Params: []UpdateParam{{Type: "ClusterLogging", Value: fmt.Sprint(i)}}}))
			ids = append(ids, u.ID)
		}
		sort.Strings(ids)
		got = pageAll(t, 2, func(p Page) ([]string, string, error) { return db.ListUpdates(ctx, uk, p) })
		if !slices.Equal(got, ids) {
			t.Fatalf("updates = %v, want %v", got, ids)
		}

		// Access policies: the 33-policy catalogue.
		got = pageAll(t, 4, func(p Page) ([]string, string, error) {
			ps, next, err := db.ListAccessPolicies(p)
			names := make([]string, len(ps))
			for i, p := range ps {
				names[i] = p.Name
				if p.ARN != db.PolicyARN(p.Name) {
					t.Fatalf("policy %s has ARN %s", p.Name, p.ARN)
				}
			}
			return names, next, err
		})
		if !slices.Equal(got, accessPolicyNames) || !slices.IsSorted(got) || len(got) != 33 {
			t.Fatalf("policies = %v", got)
		}

		// Associated policies.
		const a = "arn:aws:iam::111122223333:user/alice-01"
		var policies []string
		for _, n := range accessPolicyNames[:11] {
			must[AssociatedPolicy](t)(db.AssociateAccessPolicy(ctx, k, a, db.PolicyARN(n), AccessScope{Type: ScopeCluster}))
			policies = append(policies, db.PolicyARN(n))
		}
		got = pageAll(t, 3, func(p Page) ([]string, string, error) {
			ps, next, err := db.ListAssociatedAccessPolicies(ctx, k, a, p)
			out := make([]string, len(ps))
			for i, p := range ps {
				out[i] = p.PolicyARN
			}
			return out, next, err
		})
		if !slices.Equal(got, policies) {
			t.Fatalf("associated = %v, want %v", got, policies)
		}
	})
}

// TestPaginationUnderWrites inserts and deletes entries between pages: the
// walk never repeats an item, never skips one that existed throughout, and
// sees new items only after its cursor.
func TestPaginationUnderWrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		k := makeCluster(t, db, "w", ModeAPI, rootCaller(t, db))
		arn := func(n string) string { return "arn:aws:iam::111122223333:user/" + n }
		add := func(n string) {
			must[User](t)(db.CreateUser(ctx, testAccount, n, "/"))
			must[AccessEntry](t)(db.CreateAccessEntry(ctx, k, CreateAccessEntryInput{PrincipalARN: arn(n)}))
		}
		for _, n := range []string{"b", "d", "f", "h", "j"} {
			add(n)
		}
		page1, next, err := db.ListAccessEntries(ctx, k, "", Page{Limit: 3})
		noErr(t, err)
		// page1 = root, b, d (root sorts first: "arn:aws:iam::111122223333:root" < "…:user/…").
		if !slices.Equal(page1, []string{"arn:aws:iam::111122223333:root", arn("b"), arn("d")}) {
			t.Fatalf("page 1 = %v", page1)
		}
		add("a")                                         // before the cursor: not seen
		add("e")                                         // after the cursor: seen
		noErr(t, db.DeleteAccessEntry(ctx, k, arn("d"))) // the cursor's own item goes away
		noErr(t, db.DeleteAccessEntry(ctx, k, arn("h"))) // an unseen item goes away
		rest := pageAll(t, 3, func(p Page) ([]string, string, error) {
			if p.Token == "" {
				p.Token = next
			}
			return db.ListAccessEntries(ctx, k, "", p)
		})
		if !slices.Equal(rest, []string{arn("e"), arn("f"), arn("j")}) {
			t.Fatalf("rest = %v", rest)
		}
	})
}

func TestBadPageToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		k := makeCluster(t, db, "c", ModeAPI, rootCaller(t, db))
		const msg = "The nextToken provided is not valid."
		for _, tok := range []string{"!!!", "a b", "====", "abc=", "x"} {
			_, _, err := db.ListAccessEntries(ctx, k, "", Page{Token: tok})
			wantErr(t, err, KindInvalidParameter, msg)
			_, _, err = db.ListClusters(ctx, testAccount, testRegion, Page{Token: tok})
			wantErr(t, err, KindInvalidParameter, msg)
			_, _, err = db.ListUpdates(ctx, k, Page{Token: tok})
			wantErr(t, err, KindInvalidParameter, msg)
			_, _, err = db.ListAccessPolicies(Page{Token: tok})
			wantErr(t, err, KindInvalidParameter, msg)
			_, _, err = db.ListAssociatedAccessPolicies(ctx, k, "arn:aws:iam::111122223333:root", Page{Token: tok})
			wantErr(t, err, KindInvalidParameter, msg)
		}
		// A token is an opaque cursor: one from another listing is still a valid position.
		_, next, err := db.ListAccessPolicies(Page{Limit: 1})
		noErr(t, err)
		_, _, err = db.ListClusters(ctx, testAccount, testRegion, Page{Token: next})
		noErr(t, err)
	})
}

func TestIAMListMarkers(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		var want []string
		for i := range 11 {
			path := "/"
			if i%3 == 0 {
				path = "/eng/"
			}
			n := fmt.Sprintf("u%02d", 10-i)
			must[User](t)(db.CreateUser(ctx, testAccount, n, path))
			makeRole(t, db, "r"+n, path)
			if path == "/eng/" {
				want = append(want, n)
			}
		}
		sort.Strings(want)
		var got []string
		marker := ""
		for {
			us, more, err := db.ListUsers(ctx, testAccount, "/eng/", marker, 2)
			noErr(t, err)
			for _, u := range us {
				got = append(got, u.Name)
			}
			if !more {
				break
			}
			marker = us[len(us)-1].Name
		}
		if !slices.Equal(got, want) {
			t.Fatalf("users under /eng/ = %v, want %v", got, want)
		}
		roles, more, err := db.ListRoles(ctx, testAccount, "/", "", 100)
		noErr(t, err)
		if len(roles) != 11 || more {
			t.Fatalf("roles = %d, more %v", len(roles), more)
		}
	})
}
