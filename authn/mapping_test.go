package authn

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/eksemu/eksemu/store"
)

// kubeEnv is an env with a Kube authenticator over a fake aws-auth.
type kubeEnv struct {
	*env
	cms  *fakeConfigMaps
	kube *Kube
}

func newKubeEnv(t testing.TB) *kubeEnv {
	t.Helper()
	e := newEnv(t)
	e.clock.Set(t0.Add(time.Minute))
	cms := &fakeConfigMaps{}
	return &kubeEnv{env: e, cms: cms, kube: NewKube(e.verifier, e.db, cms, discardLogger())}
}

// cluster creates a cluster in region us-east-1 unless given, created by creator.
func (k *kubeEnv) cluster(t testing.TB, name, region, mode string, creator aws.Credentials) store.Cluster {
	t.Helper()
	c, err := k.db.CreateCluster(k.ctx, store.CreateClusterInput{Region: region, Name: name, RoleARN: "arn:aws:iam::111122223333:role/eks",
		AuthMode: mode, Creator: k.caller(t, creator)})
	if err != nil {
		t.Fatalf("CreateCluster: %v", err)
	}
	return k.get(t, c)
}

func (k *kubeEnv) get(t testing.TB, c store.Cluster) store.Cluster {
	t.Helper()
	c, err := k.db.GetCluster(k.ctx, c.ClusterKey)
	if err != nil {
		t.Fatalf("GetCluster: %v", err)
	}
	return c
}

// setMode moves the cluster one step up the ladder, taking effect at once.
func (k *kubeEnv) setMode(t testing.TB, c store.Cluster, mode string) store.Cluster {
	t.Helper()
	if _, err := k.db.UpdateClusterConfig(k.ctx, c.ClusterKey, store.UpdateConfigInput{Type: store.UpdateAccessConfig, AuthMode: mode, Delay: 0}); err != nil {
		t.Fatalf("UpdateClusterConfig %s: %v", mode, err)
	}
	c = k.get(t, c)
	if c.AuthMode != mode {
		t.Fatalf("mode is %s, want %s", c.AuthMode, mode)
	}
	return c
}

func (k *kubeEnv) entry(t *testing.T, c store.Cluster, in store.CreateAccessEntryInput) store.AccessEntry {
	t.Helper()
	e, err := k.db.CreateAccessEntry(k.ctx, c.ClusterKey, in)
	if err != nil {
		t.Fatalf("CreateAccessEntry %s: %v", in.PrincipalARN, err)
	}
	return e
}

// auth authenticates a freshly minted token of creds at c.
func (k *kubeEnv) auth(t *testing.T, c store.Cluster, creds aws.Credentials) Decision {
	t.Helper()
	return k.kube.Authenticate(k.ctx, c, mintToken(t, creds, c.Name, t0, mintOpts{region: c.Region}))
}

// expectUser checks an admitted decision in full: username, groups, UID and extras.
func expectUser(t *testing.T, d Decision, source Source, username string, groups []string, creds aws.Credentials, arn, canonical, principalID, session string) {
	t.Helper()
	if !d.Authenticated {
		t.Fatalf("denied: %s", d.Reason)
	}
	if d.Source != source {
		t.Errorf("source = %s, want %s", d.Source, source)
	}
	want := authenticationv1.UserInfo{
		Username: username,
		UID:      "aws-iam-authenticator:" + testAccount + ":" + principalID,
		Groups:   groups,
		Extra: map[string]authenticationv1.ExtraValue{
			"accessKeyId":  {creds.AccessKeyID},
			"arn":          {arn},
			"canonicalArn": {canonical},
			"principalId":  {principalID},
			"sessionName":  {session},
			"sigs.k8s.io/aws-iam-authenticator/principalId": {principalID},
		},
	}
	if !reflect.DeepEqual(d.User, want) {
		t.Errorf("user\n got %#v\nwant %#v", d.User, want)
	}
	if d.User.Groups == nil {
		t.Error("groups are nil, want a list")
	}
}

func expectDenied(t *testing.T, d Decision, reason string) {
	t.Helper()
	if d.Authenticated {
		t.Fatalf("admitted as %+v, want denial %q", d.User, reason)
	}
	if d.Reason != reason {
		t.Errorf("reason\n got %s\nwant %s", d.Reason, reason)
	}
	if !reflect.DeepEqual(d.User, authenticationv1.UserInfo{}) {
		t.Errorf("denied decision carries a user: %+v", d.User)
	}
}

const notMapped = "identity is not mapped"

// TestAuthenticateConfigMapCreator: in CONFIG_MAP the hidden creator mapping
// beats an aws-auth entry for the same role (authenticator.md §3.4, §4.6).
func TestAuthenticateConfigMapCreator(t *testing.T) {
	k := newKubeEnv(t)
	_, boss := k.user(t, "boss", "/")
	adfs := k.role(t, "Admin_ADFS", "/")
	_, creatorSess := k.assume(t, boss, adfs, "YZH@ivu.de", 0)
	_, otherSess := k.assume(t, boss, adfs, "other", 0)
	c := k.cluster(t, "c1", "us-east-1", "", creatorSess)
	if c.AuthMode != store.ModeConfigMap {
		t.Fatalf("mode %s", c.AuthMode)
	}
	k.cms.set(map[string]string{"mapRoles": "- rolearn: " + adfs.ARN + "\n  username: admin_adfs\n  groups: [adfs]\n"})

	d := k.auth(t, c, creatorSess)
	expectUser(t, d, SourceCreator, "kubernetes-admin", []string{"system:masters"}, creatorSess,
		"arn:aws:sts::111122223333:assumed-role/Admin_ADFS/YZH@ivu.de", "arn:aws:iam::111122223333:role/Admin_ADFS", adfs.ID, "YZH@ivu.de")
	if !strings.HasPrefix(creatorSess.AccessKeyID, "ASIA") || !strings.HasPrefix(adfs.ID, "AROA") {
		t.Errorf("unexpected ID shapes %s %s", creatorSess.AccessKeyID, adfs.ID)
	}

	// The creator is the role (its principal ID), whatever the session.
	d = k.auth(t, c, otherSess)
	expectUser(t, d, SourceCreator, "kubernetes-admin", []string{"system:masters"}, otherSess,
		"arn:aws:sts::111122223333:assumed-role/Admin_ADFS/other", "arn:aws:iam::111122223333:role/Admin_ADFS", adfs.ID, "other")

	// The user that assumed the role is not the creator and is not mapped.
	expectDenied(t, k.auth(t, c, boss), notMapped)
}

// TestAuthenticateConfigMapRootCreator: the account root as creator.
func TestAuthenticateConfigMapRootCreator(t *testing.T) {
	k := newKubeEnv(t)
	c := k.cluster(t, "c1", "us-east-1", store.ModeConfigMap, rootCreds)
	d := k.kube.Authenticate(k.ctx, c, vectorToken)
	expectUser(t, d, SourceCreator, "kubernetes-admin", []string{"system:masters"}, rootCreds,
		"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root", testAccount, "")
	if k.cms.calls != 0 {
		t.Errorf("aws-auth read %d times for the creator", k.cms.calls)
	}
}

// TestAuthenticateConfigMapRolePath: assumed-role ARNs carry no role path, so
// a rolearn with the path never matches and the path-less one does (§3.2).
func TestAuthenticateConfigMapRolePath(t *testing.T) {
	k := newKubeEnv(t)
	_, admin := k.user(t, "admin", "/")
	deployer := k.role(t, "deployer", "/team/dev/")
	_, sess := k.assume(t, admin, deployer, "s1", 0)
	c := k.cluster(t, "c1", "us-east-1", "", admin)
	arn := "arn:aws:sts::111122223333:assumed-role/deployer/s1"
	canonical := "arn:aws:iam::111122223333:role/deployer"

	k.cms.set(map[string]string{"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/team/dev/deployer\n  username: with-path\n  groups: [g]\n"})
	expectDenied(t, k.auth(t, c, sess), notMapped)

	k.cms.set(map[string]string{"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/deployer\n  username: without-path\n  groups: [g]\n"})
	expectUser(t, k.auth(t, c, sess), SourceAWSAuth, "without-path", []string{"g"}, sess, arn, canonical, deployer.ID, "s1")

	// Matching is case-insensitive.
	k.cms.set(map[string]string{"mapRoles": "- rolearn: ARN:AWS:IAM::111122223333:ROLE/DEPLOYER\n  username: upper\n"})
	expectUser(t, k.auth(t, c, sess), SourceAWSAuth, "upper", []string{}, sess, arn, canonical, deployer.ID, "s1")

	// A user ARN keeps its path and must be written with it.
	bob, bobCreds := k.user(t, "bob", "/ops/")
	k.cms.set(map[string]string{"mapUsers": "- userarn: arn:aws:iam::111122223333:user/bob\n  username: no-path\n"})
	expectDenied(t, k.auth(t, c, bobCreds), notMapped)
	k.cms.set(map[string]string{"mapUsers": "- userarn: arn:aws:iam::111122223333:user/ops/bob\n  username: bob\n"})
	expectUser(t, k.auth(t, c, bobCreds), SourceAWSAuth, "bob", []string{}, bobCreds, bob.ARN, bob.ARN, bob.ID, "")
}

// TestAuthenticateTemplates: template variables in usernames and groups (§4.3).
func TestAuthenticateTemplates(t *testing.T) {
	k := newKubeEnv(t)
	_, admin := k.user(t, "admin", "/")
	alice, aliceCreds := k.user(t, "alice", "/")
	dev := k.role(t, "dev", "/")
	nodes := k.role(t, "nodes", "/")
	east := k.cluster(t, "east", "us-east-1", "", admin)
	west := k.cluster(t, "west", "us-west-2", "", admin)
	k.cms.set(map[string]string{
		"mapRoles": `- rolearn: arn:aws:iam::111122223333:role/dev
  username: "dev:{{SessionName}}"
  groups:
  - "acct-{{AccountID}}"
  - "raw-{{SessionNameRaw}}"
  - "key-{{AccessKeyID}}"
  - "{{Unknown}}"
- rolearn: arn:aws:iam::111122223333:role/nodes
  username: system:node:{{EC2PrivateDNSName}}
  groups: [system:bootstrappers, system:nodes]
`,
		"mapUsers": `- userarn: arn:aws:iam::111122223333:user/alice
  username: "alice{{SessionName}}"
  groups: ["{{EC2PrivateDNSName}}"]
`,
	})

	_, devSess := k.assume(t, admin, dev, "jane.doe@example.com", 0)
	expectUser(t, k.auth(t, east, devSess), SourceAWSAuth, "dev:jane.doe-example.com",
		[]string{"acct-111122223333", "raw-jane.doe@example.com", "key-" + devSess.AccessKeyID, "{{Unknown}}"},
		devSess, "arn:aws:sts::111122223333:assumed-role/dev/jane.doe@example.com", "arn:aws:iam::111122223333:role/dev", dev.ID, "jane.doe@example.com")

	nodeName := regexp.MustCompile(`^system:node:ip-10-\d{1,3}-\d{1,3}-\d{1,3}\.ec2\.internal$`)
	for _, instance := range []string{"i-0123456789abcdef0", "i-12345678"} {
		_, s := k.assume(t, admin, nodes, instance, 0)
		d := k.auth(t, east, s)
		if !d.Authenticated || !nodeName.MatchString(d.User.Username) {
			t.Fatalf("instance %s: %+v", instance, d)
		}
		if !reflect.DeepEqual(d.User.Groups, []string{"system:bootstrappers", "system:nodes"}) {
			t.Errorf("groups %v", d.User.Groups)
		}
		if again := k.auth(t, east, s); again.User.Username != d.User.Username {
			t.Errorf("private DNS name not stable: %s then %s", d.User.Username, again.User.Username)
		}
		dw := k.auth(t, west, s)
		if !dw.Authenticated || !regexp.MustCompile(`^system:node:ip-10-\d{1,3}-\d{1,3}-\d{1,3}\.us-west-2\.compute\.internal$`).MatchString(dw.User.Username) {
			t.Errorf("us-west-2 node: %+v", dw)
		}
	}
	for _, session := range []string{"i-0123", "i-0123456789abcdef0x", "node@host"} {
		_, s := k.assume(t, admin, nodes, session, 0)
		expectDenied(t, k.auth(t, east, s),
			`mapper EKSConfigMap renderTemplates error: error rendering username template "system:node:{{EC2PrivateDNSName}}": SessionName did not contain an instance id`)
	}

	// A user has no session: {{SessionName}} is empty and {{EC2PrivateDNSName}} fails (here in a group).
	expectDenied(t, k.auth(t, east, aliceCreds),
		`mapper EKSConfigMap renderTemplates error: error rendering group template "{{EC2PrivateDNSName}}": SessionName did not contain an instance id`)
	k.cms.set(map[string]string{"mapUsers": "- userarn: arn:aws:iam::111122223333:user/alice\n  username: \"alice{{SessionName}}{{SessionNameRaw}}\"\n"})
	expectUser(t, k.auth(t, east, aliceCreds), SourceAWSAuth, "alice", []string{}, aliceCreds, alice.ARN, alice.ARN, alice.ID, "")
}

// TestAuthenticateAPIAndConfigMap: access entries take precedence over aws-auth
// for the same principal; aws-auth still maps the others (§4.8).
func TestAuthenticateAPIAndConfigMap(t *testing.T) {
	k := newKubeEnv(t)
	adminUser, admin := k.user(t, "admin", "/")
	r1, r2, r3 := k.role(t, "r1", "/"), k.role(t, "r2", "/"), k.role(t, "r3", "/")
	_, s1 := k.assume(t, admin, r1, "s1", 0)
	_, s2 := k.assume(t, admin, r2, "s1", 0)
	_, s3 := k.assume(t, admin, r3, "s1", 0)
	c := k.cluster(t, "c1", "us-east-1", "", admin)
	k.cms.set(map[string]string{"mapRoles": "- rolearn: " + r1.ARN + "\n  username: cm-r1\n  groups: [cm]\n- rolearn: " + r2.ARN + "\n  username: cm-r2\n  groups: [cm]\n"})
	sessARN := func(r store.Role) string { return "arn:aws:sts::111122223333:assumed-role/" + r.Name + "/s1" }

	expectUser(t, k.auth(t, c, s1), SourceAWSAuth, "cm-r1", []string{"cm"}, s1, sessARN(r1), r1.ARN, r1.ID, "s1")
	expectUser(t, k.auth(t, c, admin), SourceCreator, "kubernetes-admin", []string{"system:masters"}, admin, adminUser.ARN, adminUser.ARN, adminUser.ID, "")

	c = k.setMode(t, c, store.ModeAPIAndConfigMap)
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: r1.ARN, Username: "entry-r1", KubernetesGroups: []string{"entry-group"}})

	expectUser(t, k.auth(t, c, s1), SourceAccessEntry, "entry-r1", []string{"entry-group"}, s1, sessARN(r1), r1.ARN, r1.ID, "s1")
	expectUser(t, k.auth(t, c, s2), SourceAWSAuth, "cm-r2", []string{"cm"}, s2, sessARN(r2), r2.ARN, r2.ID, "s1")
	expectDenied(t, k.auth(t, c, s3), notMapped)
	// The creator now goes through its (visible) bootstrap access entry.
	expectUser(t, k.auth(t, c, admin), SourceAccessEntry, adminUser.ARN, []string{}, admin, adminUser.ARN, adminUser.ARN, adminUser.ID, "")

	// API: aws-auth is not even read.
	c = k.setMode(t, c, store.ModeAPI)
	before := k.cms.calls
	expectUser(t, k.auth(t, c, s1), SourceAccessEntry, "entry-r1", []string{"entry-group"}, s1, sessARN(r1), r1.ARN, r1.ID, "s1")
	expectDenied(t, k.auth(t, c, s2), notMapped)
	if k.cms.calls != before {
		t.Errorf("aws-auth read %d times in API mode", k.cms.calls-before)
	}
	// The creator is an ordinary access entry: deleting it revokes access.
	expectUser(t, k.auth(t, c, admin), SourceAccessEntry, adminUser.ARN, []string{}, admin, adminUser.ARN, adminUser.ARN, adminUser.ID, "")
	if err := k.db.DeleteAccessEntry(k.ctx, c.ClusterKey, adminUser.ARN); err != nil {
		t.Fatal(err)
	}
	expectDenied(t, k.auth(t, c, admin), notMapped)
}

// TestAuthenticateAccessEntryShapes: default usernames, paths and node types.
func TestAuthenticateAccessEntryShapes(t *testing.T) {
	k := newKubeEnv(t)
	_, admin := k.user(t, "admin", "/")
	ops, opsCreds := k.user(t, "ops", "/team/")
	deployer := k.role(t, "deployer", "/team/dev/")
	nodes := k.role(t, "nodes", "/")
	fargate := k.role(t, "fargate", "/")
	c := k.cluster(t, "c1", "us-east-1", store.ModeAPI, admin)
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: ops.ARN, KubernetesGroups: []string{"ops"}})
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: deployer.ARN})
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: nodes.ARN, Type: store.EntryEC2Linux})
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: fargate.ARN, Type: store.EntryFargateLinux})

	// A user with a path: the entry's ARN keeps the path, as does the STS ARN.
	expectUser(t, k.auth(t, c, opsCreds), SourceAccessEntry, ops.ARN, []string{"ops"}, opsCreds, ops.ARN, ops.ARN, ops.ID, "")

	// A role with a path: the entry's path is stripped before comparing; the default
	// username is the session ARN with {{SessionName}} rendered (@ → -).
	_, sess := k.assume(t, admin, deployer, "jo@example.com", 0)
	expectUser(t, k.auth(t, c, sess), SourceAccessEntry, "arn:aws:sts::111122223333:assumed-role/deployer/jo-example.com", []string{}, sess,
		"arn:aws:sts::111122223333:assumed-role/deployer/jo@example.com", "arn:aws:iam::111122223333:role/deployer", deployer.ID, "jo@example.com")

	_, node := k.assume(t, admin, nodes, "i-0123456789abcdef0", 0)
	d := k.auth(t, c, node)
	if !d.Authenticated || d.Source != SourceAccessEntry || !strings.HasPrefix(d.User.Username, "system:node:ip-10-") ||
		!reflect.DeepEqual(d.User.Groups, []string{"system:bootstrappers", "system:nodes"}) {
		t.Errorf("EC2_LINUX node: %+v", d)
	}
	_, notNode := k.assume(t, admin, nodes, "laptop", 0)
	expectDenied(t, k.auth(t, c, notNode),
		`mapper DynamicFile renderTemplates error: error rendering username template "system:node:{{EC2PrivateDNSName}}": SessionName did not contain an instance id`)

	_, pod := k.assume(t, admin, fargate, "fargate-ip-10-0-1-2", 0)
	expectUser(t, k.auth(t, c, pod), SourceAccessEntry, "system:node:fargate-ip-10-0-1-2", []string{"system:bootstrappers", "system:nodes", "system:node-proxier"}, pod,
		"arn:aws:sts::111122223333:assumed-role/fargate/fargate-ip-10-0-1-2", fargate.ARN, fargate.ID, "fargate-ip-10-0-1-2")
}

// TestAuthenticatePrincipalIDBinding: an entry is bound to the principal ID
// the IAM principal had when the entry was created; aws-auth is not (§3.2, §4.7).
func TestAuthenticatePrincipalIDBinding(t *testing.T) {
	k := newKubeEnv(t)
	_, admin := k.user(t, "admin", "/")
	old, oldCreds := k.user(t, "bob", "/")
	oldRole := k.role(t, "deployer", "/")
	_, oldSess := k.assume(t, admin, oldRole, "s1", 0)
	c := k.cluster(t, "c1", "us-east-1", store.ModeAPI, admin)
	c = k.get(t, c)
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: old.ARN, Username: "bob"})
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: oldRole.ARN, Username: "deployer"})
	expectUser(t, k.auth(t, c, oldCreds), SourceAccessEntry, "bob", []string{}, oldCreds, old.ARN, old.ARN, old.ID, "")
	expectUser(t, k.auth(t, c, oldSess), SourceAccessEntry, "deployer", []string{}, oldSess,
		"arn:aws:sts::111122223333:assumed-role/deployer/s1", oldRole.ARN, oldRole.ID, "s1")

	if err := k.db.DeleteAccessKey(k.ctx, testAccount, "bob", oldCreds.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := k.db.DeleteUser(k.ctx, testAccount, "bob"); err != nil {
		t.Fatal(err)
	}
	if err := k.db.DeleteRole(k.ctx, testAccount, "deployer"); err != nil {
		t.Fatal(err)
	}
	again, newCreds := k.user(t, "bob", "/")
	newRole := k.role(t, "deployer", "/")
	_, newSess := k.assume(t, admin, newRole, "s1", 0)
	if again.ARN != old.ARN || again.ID == old.ID || newRole.ARN != oldRole.ARN || newRole.ID == oldRole.ID {
		t.Fatalf("re-created principals: %+v %+v", again, newRole)
	}
	expectDenied(t, k.auth(t, c, newCreds), notMapped)
	expectDenied(t, k.auth(t, c, newSess), notMapped)
	if e, err := k.db.DescribeAccessEntry(k.ctx, c.ClusterKey, old.ARN); err != nil || e.PrincipalID != old.ID {
		t.Errorf("entry %+v, %v: want it still bound to %s", e, err, old.ID)
	}
}

// TestAuthenticatePrincipalIDBindingFallsBackToAWSAuth: in API_AND_CONFIG_MAP a
// re-created user no longer matches its entry but still matches aws-auth by ARN.
func TestAuthenticatePrincipalIDBindingFallsBackToAWSAuth(t *testing.T) {
	k := newKubeEnv(t)
	_, admin := k.user(t, "admin", "/")
	old, oldCreds := k.user(t, "bob", "/")
	c := k.cluster(t, "c1", "us-east-1", store.ModeAPIAndConfigMap, admin)
	k.entry(t, c, store.CreateAccessEntryInput{PrincipalARN: old.ARN, Username: "bob-entry"})
	k.cms.set(map[string]string{"mapUsers": "- userarn: " + old.ARN + "\n  username: bob-configmap\n"})
	expectUser(t, k.auth(t, c, oldCreds), SourceAccessEntry, "bob-entry", []string{}, oldCreds, old.ARN, old.ARN, old.ID, "")

	if err := k.db.DeleteAccessKey(k.ctx, testAccount, "bob", oldCreds.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := k.db.DeleteUser(k.ctx, testAccount, "bob"); err != nil {
		t.Fatal(err)
	}
	again, newCreds := k.user(t, "bob", "/")
	expectUser(t, k.auth(t, c, newCreds), SourceAWSAuth, "bob-configmap", []string{}, newCreds, again.ARN, again.ARN, again.ID, "")
}

// TestAuthenticateMapAccounts: an account in mapAccounts admits every principal
// of it as its canonical ARN with no groups (§3.3, §4.2).
func TestAuthenticateMapAccounts(t *testing.T) {
	k := newKubeEnv(t)
	_, admin := k.user(t, "admin", "/")
	alice, aliceCreds := k.user(t, "alice", "/")
	dev := k.role(t, "Dev", "/x/")
	_, sess := k.assume(t, admin, dev, "s1", 0)
	c := k.cluster(t, "c1", "us-east-1", "", admin)

	k.cms.set(map[string]string{"mapAccounts": "- \"444455556666\"\n"})
	expectDenied(t, k.auth(t, c, aliceCreds), notMapped)

	k.cms.set(map[string]string{"mapAccounts": "- 111122223333\n", "mapUsers": "- userarn: " + alice.ARN + "\n  username: alice\n  groups: [a]\n"})
	expectUser(t, k.auth(t, c, aliceCreds), SourceAWSAuth, "alice", []string{"a"}, aliceCreds, alice.ARN, alice.ARN, alice.ID, "")
	expectUser(t, k.auth(t, c, sess), SourceAccount, "arn:aws:iam::111122223333:role/Dev", []string{}, sess,
		"arn:aws:sts::111122223333:assumed-role/Dev/s1", "arn:aws:iam::111122223333:role/Dev", dev.ID, "s1")
}

// TestAuthenticateAWSAuthStates: missing, unreadable and partly broken aws-auth.
func TestAuthenticateAWSAuthStates(t *testing.T) {
	k := newKubeEnv(t)
	_, admin := k.user(t, "admin", "/")
	alice, aliceCreds := k.user(t, "alice", "/")
	nodes := k.role(t, "nodes", "/")
	_, node := k.assume(t, admin, nodes, "i-0123456789abcdef0", 0)
	c := k.cluster(t, "c1", "us-east-1", "", admin)

	expectDenied(t, k.auth(t, c, aliceCreds), notMapped) // no ConfigMap

	k.cms.mu.Lock()
	k.cms.err = errors.New("connection refused")
	k.cms.mu.Unlock()
	d := k.auth(t, c, aliceCreds)
	if d.Authenticated || !strings.Contains(d.Reason, "connection refused") {
		t.Errorf("unreadable aws-auth: %+v", d)
	}
	k.cms.mu.Lock()
	k.cms.err = nil
	k.cms.mu.Unlock()

	// A YAML error in mapRoles drops every role (node roles too) but keeps mapUsers.
	k.cms.set(map[string]string{
		"mapRoles": "- rolearn: " + nodes.ARN + "\n\tusername: system:node:{{EC2PrivateDNSName}}\n",
		"mapUsers": "- userarn: " + alice.ARN + "\n  username: alice\n",
	})
	expectDenied(t, k.auth(t, c, node), notMapped)
	expectUser(t, k.auth(t, c, aliceCreds), SourceAWSAuth, "alice", []string{}, aliceCreds, alice.ARN, alice.ARN, alice.ID, "")
}

// TestAuthenticateBadToken: a token failure is a denial carrying the verifier's text.
func TestAuthenticateBadToken(t *testing.T) {
	k := newKubeEnv(t)
	c := k.cluster(t, "c1", "us-east-1", "", rootCreds)
	expectDenied(t, k.kube.Authenticate(k.ctx, c, "Bearer xyz"), fmtPrefix+`token is missing expected "k8s-aws-v1." prefix`)
	other := c
	other.Name = "c2"
	d := k.kube.Authenticate(k.ctx, other, vectorToken)
	if d.Authenticated || !strings.Contains(d.Reason, `"Code":"SignatureDoesNotMatch"`) {
		t.Errorf("token for c1 at c2: %+v", d)
	}

	u, ok := k.kube.ReviewToken(k.ctx, c, vectorToken)
	if !ok || u.Username != "kubernetes-admin" {
		t.Errorf("ReviewToken: %+v %v", u, ok)
	}
	u, ok = k.kube.ReviewToken(k.ctx, other, vectorToken)
	if ok || !reflect.DeepEqual(u, authenticationv1.UserInfo{}) {
		t.Errorf("ReviewToken at c2: %+v %v", u, ok)
	}
}
