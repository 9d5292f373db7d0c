package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

func TestDefaultUsername(t *testing.T) {
	tests := []struct {
		arn, typ, want string
	}{
		{"arn:aws:iam::111122223333:user/alice", EntryStandard, "arn:aws:iam::111122223333:user/alice"},
		{"arn:aws:iam::111122223333:user/eng/bob", EntryStandard, "arn:aws:iam::111122223333:user/eng/bob"},
		{"arn:aws:iam::111122223333:role/admin", EntryStandard, "arn:aws:sts::111122223333:assumed-role/admin/{{SessionName}}"},
		{"arn:aws:iam::111122223333:role/team/a/admin", EntryStandard, "arn:aws:sts::111122223333:assumed-role/admin/{{SessionName}}"},
		{"arn:aws-cn:iam::111122223333:role/admin", EntryStandard, "arn:aws-cn:sts::111122223333:assumed-role/admin/{{SessionName}}"},
		{"arn:aws-us-gov:iam::111122223333:user/u", EntryStandard, "arn:aws-us-gov:iam::111122223333:user/u"},
		{"arn:aws:iam::111122223333:root", EntryStandard, "arn:aws:iam::111122223333:root"},
		{"arn:aws:iam::111122223333:role/node", EntryEC2Linux, "system:node:{{EC2PrivateDNSName}}"},
		{"arn:aws:iam::111122223333:role/node", EntryEC2Windows, "system:node:{{EC2PrivateDNSName}}"},
		{"arn:aws:iam::111122223333:role/node", EntryEC2, "system:node:{{EC2PrivateDNSName}}"},
		{"arn:aws:iam::111122223333:role/pods", EntryFargateLinux, "system:node:{{SessionName}}"},
		{"arn:aws:iam::111122223333:role/hybrid", EntryHybridLinux, "system:node:{{SessionName}}"},
		{"arn:aws:iam::111122223333:role/hp", EntryHyperPodLinux, "system:node:{{SessionName}}"},
	}
	for _, tc := range tests {
		p, err := awsid.ParsePrincipal(tc.arn)
		noErr(t, err)
		if got := DefaultUsername(p, tc.typ); got != tc.want {
			t.Errorf("DefaultUsername(%s, %s) = %q, want %q", tc.arn, tc.typ, got, tc.want)
		}
	}
}

func TestCheckUsername(t *testing.T) {
	tests := []struct {
		username string
		wantErr  string
	}{
		{"alice", ""},
		{"arn:aws:sts::111122223333:assumed-role/admin/{{SessionName}}", ""},
		{":john{{SessionName}}", ""},
		{"jo:hn{{SessionName}}", ""},
		{"jo:hn{{SessionNameRaw}}", ""},
		{"x:{{SessionName}}:{{SessionName}}", ""},
		{"john{{AccessKeyID}}", ""}, // the colon rule applies to the session variables only
		{"john{{SessionName}}", "The username john{{SessionName}} is invalid, a colon (:) must appear before {{SessionName}}"},
		{"{{SessionName}}", "The username {{SessionName}} is invalid, a colon (:) must appear before {{SessionName}}"},
		{"john{{SessionNameRaw}}:", "The username john{{SessionNameRaw}}: is invalid, a colon (:) must appear before {{SessionNameRaw}}"},
		{"system:node:x", "The username must not begin with system:"},
		{"system:node:{{EC2PrivateDNSName}}", "The username must not begin with system:"},
		{"eks:admin", "The username must not begin with eks:"},
		{"aws:x", "The username must not begin with aws:"},
		{"amazon:x", "The username must not begin with amazon:"},
		{"iam:x", "The username must not begin with iam:"},
		{"System:x", ""}, // prefixes are case-sensitive
		{"my-system:x", ""},
	}
	for _, tc := range tests {
		err := checkUsername("c", tc.username)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("checkUsername(%q) = %v, want nil", tc.username, err)
			}
			continue
		}
		wantErr(t, err, KindInvalidParameter, tc.wantErr)
		if err.(*Error).Cluster != "c" {
			t.Errorf("checkUsername(%q): error carries cluster %q", tc.username, err.(*Error).Cluster)
		}
	}
}

func TestCheckGroups(t *testing.T) {
	noErr(t, checkGroups("c", nil))
	noErr(t, checkGroups("c", []string{"devs", "eks:x", "masters", "my-system:x"}))
	wantErr(t, checkGroups("c", []string{"devs", "system:masters"}), KindInvalidParameter, "The kubernetes group name system:masters is invalid, it cannot start with system:")
}

// entryFixture is a store with principals of every shape and a cluster in API mode.
type entryFixture struct {
	db *DB
	k  ClusterKey
}

func newEntryFixture(t *testing.T, db *DB) entryFixture {
	t.Helper()
	ctx := context.Background()
	must[User](t)(db.CreateUser(ctx, testAccount, "alice", "/"))
	must[User](t)(db.CreateUser(ctx, testAccount, "bob", "/eng/"))
	makeRole(t, db, "dev", "/team/")
	makeRole(t, db, "node", "/")
	makeRole(t, db, "AWSServiceRoleForAmazonEKS", "/aws-service-role/eks.amazonaws.com/")
	noErr(t, db.EnsureAccount(ctx, otherAcct, "", ""))
	must[User](t)(db.CreateUser(ctx, otherAcct, "carol", "/"))
	must[Role](t)(db.CreateRole(ctx, RoleInput{Account: otherAcct, Name: "xnode", TrustPolicy: trustAccount(otherAcct)}))
	k := makeCluster(t, db, "c", ModeAPI, rootCaller(t, db))
	return entryFixture{db: db, k: k}
}

func TestCreateAccessEntryValidation(t *testing.T) {
	const (
		badFormat  = "The principalArn parameter format is not valid"
		slr        = "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role"
		invalid    = "The specified principalArn is invalid: invalid principal."
		notStd     = `This operation can only be performed on Access Entries with a type of "STANDARD".`
		badType    = "AccessEntry type must be one of [EC2, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, HYPERPOD_LINUX, STANDARD]"
		nodeRoleIn = "The principalArn of an access entry of type %s must be an IAM role in account 111122223333"
	)
	tests := []struct {
		name       string
		in         CreateAccessEntryInput
		wantErr    string
		wantUser   string
		wantGroups []string
	}{
		{name: "user", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/alice"},
			wantUser: "arn:aws:iam::111122223333:user/alice", wantGroups: []string{}},
		{name: "user with path", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/eng/bob", KubernetesGroups: []string{"devs"}},
			wantUser: "arn:aws:iam::111122223333:user/eng/bob", wantGroups: []string{"devs"}},
		{name: "role with path", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/team/dev", Type: EntryStandard},
			wantUser: "arn:aws:sts::111122223333:assumed-role/dev/{{SessionName}}", wantGroups: []string{}},
		{name: "cross-account user", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::444455556666:user/carol", Username: "carol"},
			wantUser: "carol", wantGroups: []string{}},
		{name: "custom username with session", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Username: "dev:{{SessionName}}", KubernetesGroups: []string{"a", "b"}},
			wantUser: "dev:{{SessionName}}", wantGroups: []string{"a", "b"}},
		{name: "ec2 linux", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryEC2Linux},
			wantUser: "system:node:{{EC2PrivateDNSName}}", wantGroups: []string{"system:nodes"}},
		{name: "ec2 windows", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryEC2Windows},
			wantUser: "system:node:{{EC2PrivateDNSName}}", wantGroups: []string{"system:nodes"}},
		{name: "fargate", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryFargateLinux},
			wantUser: "system:node:{{SessionName}}", wantGroups: []string{}},
		{name: "ec2 auto mode", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/team/dev", Type: EntryEC2},
			wantUser: "system:node:{{EC2PrivateDNSName}}", wantGroups: []string{}},
		{name: "hybrid", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryHybridLinux},
			wantUser: "system:node:{{SessionName}}", wantGroups: []string{}},

		{name: "lower-case type", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/alice", Type: "Standard"}, wantErr: badType},
		{name: "unknown type", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/alice", Type: "NODE"}, wantErr: badType},
		{name: "session ARN", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:sts::111122223333:assumed-role/dev/s1"}, wantErr: badFormat},
		{name: "federated user", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:sts::111122223333:federated-user/f"}, wantErr: badFormat},
		{name: "not an ARN", in: CreateAccessEntryInput{PrincipalARN: "alice"}, wantErr: badFormat},
		{name: "empty", in: CreateAccessEntryInput{PrincipalARN: ""}, wantErr: badFormat},
		{name: "group ARN", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:group/admins"}, wantErr: badFormat},
		{name: "other partition", in: CreateAccessEntryInput{PrincipalARN: "arn:aws-cn:iam::111122223333:user/alice"}, wantErr: badFormat},
		{name: "regional ARN", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam:us-east-1:111122223333:user/alice"}, wantErr: badFormat},
		{name: "service-linked role", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"}, wantErr: slr},
		{name: "service-linked role that does not exist", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/Nope"}, wantErr: slr},
		{name: "missing user", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/nobody"}, wantErr: invalid},
		{name: "role without its path", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/dev"}, wantErr: invalid},
		{name: "user with a wrong path", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/bob"}, wantErr: invalid},
		{name: "unknown account", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::999988887777:user/alice"}, wantErr: invalid},
		{name: "system group", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/alice", KubernetesGroups: []string{"ok", "system:masters"}},
			wantErr: "The kubernetes group name system:masters is invalid, it cannot start with system:"},
		{name: "reserved username", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/alice", Username: "eks:me"}, wantErr: "The username must not begin with eks:"},
		{name: "session without colon", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/team/dev", Username: "dev{{SessionName}}"},
			wantErr: "The username dev{{SessionName}} is invalid, a colon (:) must appear before {{SessionName}}"},
		{name: "groups on a node type", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryEC2Linux, KubernetesGroups: []string{"x"}}, wantErr: notStd},
		{name: "username on a node type", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryFargateLinux, Username: "n:x"}, wantErr: notStd},
		{name: "user on a node type", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:user/alice", Type: EntryEC2Linux}, wantErr: fmt.Sprintf(nodeRoleIn, EntryEC2Linux)},
		{name: "cross-account role on a node type", in: CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::444455556666:role/xnode", Type: EntryHybridLinux}, wantErr: fmt.Sprintf(nodeRoleIn, EntryHybridLinux)},
	}
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		f := newEntryFixture(t, db)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := dump(t, db)
				e, err := db.CreateAccessEntry(ctx, f.k, tc.in)
				if tc.wantErr != "" {
					wantErr(t, err, KindInvalidParameter, tc.wantErr)
					if err.(*Error).Cluster != "c" {
						t.Errorf("error carries cluster %q, want c", err.(*Error).Cluster)
					}
					if got := dump(t, db); got != before {
						t.Fatalf("refused CreateAccessEntry changed the database")
					}
					return
				}
				noErr(t, err)
				if e.Username != tc.wantUser || !slices.Equal(e.KubernetesGroups, tc.wantGroups) {
					t.Fatalf("entry username %q groups %q, want %q %q", e.Username, e.KubernetesGroups, tc.wantUser, tc.wantGroups)
				}
				got := must[AccessEntry](t)(db.DescribeAccessEntry(ctx, f.k, tc.in.PrincipalARN))
				if fmt.Sprint(got) != fmt.Sprint(e) {
					t.Fatalf("described entry differs from the created one:\n%+v\n%+v", got, e)
				}
				wantType := tc.in.Type
				if wantType == "" {
					wantType = EntryStandard
				}
				if e.Type != wantType || e.Cluster != "c" || e.CreatedAt != e.ModifiedAt {
					t.Fatalf("entry = %+v", e)
				}
				if !entryARNPattern.MatchString(e.ARN) {
					t.Fatalf("entry ARN %q does not have EKS's shape", e.ARN)
				}
				noErr(t, db.DeleteAccessEntry(ctx, f.k, tc.in.PrincipalARN))
			})
		}
	})
}

var entryARNPattern = regexp.MustCompile(`^arn:aws:eks:us-east-1:111122223333:access-entry/c/(user|role)/\d{12}/[\w+=,.@-]+/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestAccessEntryLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, clock *testClock) {
		ctx := context.Background()
		f := newEntryFixture(t, db)
		const alice = "arn:aws:iam::111122223333:user/alice"

		// Duplicate principals are refused; a retry with the same token returns the original.
		e := must[AccessEntry](t)(db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: alice, ClientRequestToken: "t1", Tags: map[string]string{"a": "1"}}))
		again := must[AccessEntry](t)(db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: alice, ClientRequestToken: "t1"}))
		if again.ARN != e.ARN {
			t.Fatalf("idempotent retry returned %s, want %s", again.ARN, e.ARN)
		}
		for _, token := range []string{"", "t2"} {
			_, err := db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: alice, ClientRequestToken: token})
			wantErr(t, err, KindAlreadyExists, "The specified access entry resource is already in use on this cluster.")
		}
		// The root's bootstrap entry is there too (the cluster creator).
		_, err := db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:root"})
		wantErr(t, err, KindAlreadyExists, "")

		// Lookups are by exact ARN.
		_, err = db.DescribeAccessEntry(ctx, f.k, "arn:aws:iam::111122223333:user/ALICE")
		wantErr(t, err, KindNotFound, "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.")

		// Update: omitted members are reset to their defaults (terraform-provider-aws #36480).
		clock.Advance(1500 * time.Millisecond)
		groups := []string{"g1"}
		user := "al:{{SessionName}}"
		u := must[AccessEntry](t)(db.UpdateAccessEntry(ctx, f.k, alice, UpdateAccessEntryInput{KubernetesGroups: &groups, Username: &user}))
		if u.Username != user || !slices.Equal(u.KubernetesGroups, groups) || !u.ModifiedAt.After(u.CreatedAt) || u.CreatedAt != e.CreatedAt {
			t.Fatalf("updated entry = %+v", u)
		}
		u = must[AccessEntry](t)(db.UpdateAccessEntry(ctx, f.k, alice, UpdateAccessEntryInput{}))
		if u.Username != alice || len(u.KubernetesGroups) != 0 || u.Tags["a"] != "1" {
			t.Fatalf("entry after an empty update = %+v", u)
		}
		for _, bad := range []string{"system:x", "x{{SessionName}}"} {
			before := dump(t, db)
			_, err = db.UpdateAccessEntry(ctx, f.k, alice, UpdateAccessEntryInput{Username: &bad})
			wantErr(t, err, KindInvalidParameter, "")
			if dump(t, db) != before {
				t.Fatalf("refused update changed the database")
			}
		}
		sys := []string{"system:masters"}
		_, err = db.UpdateAccessEntry(ctx, f.k, alice, UpdateAccessEntryInput{KubernetesGroups: &sys})
		wantErr(t, err, KindInvalidParameter, "The kubernetes group name system:masters is invalid, it cannot start with system:")

		// Node types: groups and username cannot be set; the reserved-prefix rule
		// applies even to the entry's own generated username (eks-api.md §3.11).
		must[AccessEntry](t)(db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryEC2Linux}))
		own := "system:node:{{EC2PrivateDNSName}}"
		_, err = db.UpdateAccessEntry(ctx, f.k, "arn:aws:iam::111122223333:role/node", UpdateAccessEntryInput{Username: &own})
		wantErr(t, err, KindInvalidParameter, "The username must not begin with system:")
		g := []string{"x"}
		_, err = db.UpdateAccessEntry(ctx, f.k, "arn:aws:iam::111122223333:role/node", UpdateAccessEntryInput{KubernetesGroups: &g})
		wantErr(t, err, KindInvalidParameter, `This operation can only be performed on Access Entries with a type of "STANDARD".`)
		n := must[AccessEntry](t)(db.UpdateAccessEntry(ctx, f.k, "arn:aws:iam::111122223333:role/node", UpdateAccessEntryInput{}))
		if n.Username != own || !slices.Equal(n.KubernetesGroups, []string{"system:nodes"}) {
			t.Fatalf("node entry after update = %+v", n)
		}

		// The entry is bound to the principal's unique ID: deleting the user and
		// re-creating one of the same name does not rebind it.
		before := must[AccessEntry](t)(db.DescribeAccessEntry(ctx, f.k, alice))
		noErr(t, db.DeleteUser(ctx, testAccount, "alice"))
		re := must[User](t)(db.CreateUser(ctx, testAccount, "alice", "/"))
		after := must[AccessEntry](t)(db.DescribeAccessEntry(ctx, f.k, alice))
		if after.PrincipalID != before.PrincipalID || after.PrincipalID == re.ID {
			t.Fatalf("entry principal ID %s after re-creating the user (old %s, new %s)", after.PrincipalID, before.PrincipalID, re.ID)
		}
	})
}

// TestAccessEntryGate checks that every access-entry operation is refused in
// CONFIG_MAP mode, while the bootstrap entry already exists underneath.
func TestAccessEntryGate(t *testing.T) {
	const gate = "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
	eachBackend(t, func(t *testing.T, db *DB, _ *testClock) {
		ctx := context.Background()
		root := rootCaller(t, db)
		k := makeCluster(t, db, "cm", ModeConfigMap, root)
		must[User](t)(db.CreateUser(ctx, testAccount, "alice", "/"))
		const a = "arn:aws:iam::111122223333:user/alice"
		policy := db.PolicyARN("AmazonEKSViewPolicy")
		before := dump(t, db)
		errs := []error{
			func() error {
				_, err := db.CreateAccessEntry(ctx, k, CreateAccessEntryInput{PrincipalARN: a})
				return err
			}(),
			func() error { _, err := db.DescribeAccessEntry(ctx, k, root.ARN); return err }(),
			func() error { _, _, err := db.ListAccessEntries(ctx, k, "", Page{}); return err }(),
			func() error { _, err := db.UpdateAccessEntry(ctx, k, root.ARN, UpdateAccessEntryInput{}); return err }(),
			db.DeleteAccessEntry(ctx, k, root.ARN),
			func() error {
				_, err := db.AssociateAccessPolicy(ctx, k, root.ARN, policy, AccessScope{Type: ScopeCluster})
				return err
			}(),
			func() error { _, _, err := db.ListAssociatedAccessPolicies(ctx, k, root.ARN, Page{}); return err }(),
			db.DisassociateAccessPolicy(ctx, k, root.ARN, db.PolicyARN(clusterAdminPolicy)),
		}
		for i, err := range errs {
			wantErr(t, err, KindInvalidRequest, gate)
			if err.(*Error).Cluster != "cm" {
				t.Errorf("operation %d: cluster %q", i, err.(*Error).Cluster)
			}
		}
		if dump(t, db) != before {
			t.Fatalf("gated operations changed the database")
		}
		if n := count(t, db, "access_entries", ""); n != 1 {
			t.Fatalf("%d entries in CONFIG_MAP mode, want the hidden bootstrap entry", n)
		}
		// ListAccessPolicies is not cluster-scoped and works in any mode.
		ps, _ := mustPolicies(t)(db.ListAccessPolicies(Page{}))
		if len(ps) != len(accessPolicyNames) {
			t.Fatalf("ListAccessPolicies returned %d policies", len(ps))
		}
	})
}

func mustPolicies(t testing.TB) func([]AccessPolicy, string, error) ([]AccessPolicy, string) {
	return func(ps []AccessPolicy, next string, err error) ([]AccessPolicy, string) {
		t.Helper()
		noErr(t, err)
		return ps, next
	}
}

func TestAssociateAccessPolicy(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *DB, clock *testClock) {
		ctx := context.Background()
		f := newEntryFixture(t, db)
		const a = "arn:aws:iam::111122223333:user/alice"
		must[AccessEntry](t)(db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: a}))
		view := db.PolicyARN("AmazonEKSViewPolicy")
		first := must[AssociatedPolicy](t)(db.AssociateAccessPolicy(ctx, f.k, a, view, AccessScope{Type: ScopeNamespace, Namespaces: []string{"dev-*", "prod"}}))
		clock.Advance(2 * time.Second)
		second := must[AssociatedPolicy](t)(db.AssociateAccessPolicy(ctx, f.k, a, view, AccessScope{Type: ScopeCluster}))
		if second.AssociatedAt != first.AssociatedAt || !second.ModifiedAt.After(first.ModifiedAt) {
			t.Fatalf("re-association times: first %+v second %+v", first, second)
		}
		list, _ := mustAssoc(t)(db.ListAssociatedAccessPolicies(ctx, f.k, a, Page{}))
		if len(list) != 1 || list[0].Scope.Type != ScopeCluster || len(list[0].Scope.Namespaces) != 0 {
			t.Fatalf("associations = %+v, want the one policy with cluster scope", list)
		}
		tests := []struct {
			policy string
			scope  AccessScope
			msg    string
		}{
			{"not an arn", AccessScope{Type: ScopeCluster}, "The policyArn parameter format is not valid"},
			{"arn:aws:eks::aws:cluster-access-policy/Nope", AccessScope{Type: ScopeCluster}, "The specified policyArn arn:aws:eks::aws:cluster-access-policy/Nope is not a valid access policy"},
			{"arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", AccessScope{Type: ScopeCluster}, ""},
			{view, AccessScope{Type: "Cluster"}, "The access scope type must be one of [cluster, namespace]"},
			{view, AccessScope{Type: ScopeCluster, Namespaces: []string{"a"}}, "Namespaces can only be specified for an access scope of type namespace"},
			{view, AccessScope{Type: ScopeNamespace}, "At least one namespace must be specified for an access scope of type namespace"},
			{view, AccessScope{Type: ScopeNamespace, Namespaces: []string{"Dev"}}, "The namespace Dev is not a valid Kubernetes namespace name"},
			{view, AccessScope{Type: ScopeNamespace, Namespaces: []string{"a*b"}}, "The namespace a*b is not a valid Kubernetes namespace name"},
			{view, AccessScope{Type: ScopeNamespace, Namespaces: []string{"-a"}}, "The namespace -a is not a valid Kubernetes namespace name"},
		}
		for _, tc := range tests {
			before := dump(t, db)
			_, err := db.AssociateAccessPolicy(ctx, f.k, a, tc.policy, tc.scope)
			wantErr(t, err, KindInvalidParameter, tc.msg)
			if dump(t, db) != before {
				t.Fatalf("refused association %v changed the database", tc)
			}
		}
		// Node types take no policy, except AmazonEKSAutoNodePolicy on EC2 entries.
		must[AccessEntry](t)(db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: EntryEC2Linux}))
		_, err := db.AssociateAccessPolicy(ctx, f.k, "arn:aws:iam::111122223333:role/node", view, AccessScope{Type: ScopeCluster})
		wantErr(t, err, KindInvalidParameter, `This operation can only be performed on Access Entries with a type of "STANDARD".`)
		_, _, err = db.ListAssociatedAccessPolicies(ctx, f.k, "arn:aws:iam::111122223333:role/node", Page{})
		wantErr(t, err, KindInvalidParameter, `This operation can only be performed on Access Entries with a type of "STANDARD".`)
		must[AccessEntry](t)(db.CreateAccessEntry(ctx, f.k, CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::111122223333:role/team/dev", Type: EntryEC2}))
		_, err = db.AssociateAccessPolicy(ctx, f.k, "arn:aws:iam::111122223333:role/team/dev", view, AccessScope{Type: ScopeCluster})
		wantErr(t, err, KindInvalidParameter, "")
		must[AssociatedPolicy](t)(db.AssociateAccessPolicy(ctx, f.k, "arn:aws:iam::111122223333:role/team/dev", db.PolicyARN("AmazonEKSAutoNodePolicy"), AccessScope{Type: ScopeCluster}))

		// Disassociate.
		noErr(t, db.DisassociateAccessPolicy(ctx, f.k, a, view))
		err = db.DisassociateAccessPolicy(ctx, f.k, a, view)
		wantErr(t, err, KindNotFound, "The specified policyArn could not be found. You can view your associated access policies with 'list-associated-access-policies'.")
		err = db.DisassociateAccessPolicy(ctx, f.k, "arn:aws:iam::111122223333:user/nobody", view)
		wantErr(t, err, KindNotFound, "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.")
	})
}

func mustAssoc(t testing.TB) func([]AssociatedPolicy, string, error) ([]AssociatedPolicy, string) {
	return func(ps []AssociatedPolicy, next string, err error) ([]AssociatedPolicy, string) {
		t.Helper()
		noErr(t, err)
		return ps, next
	}
}
