package e2e

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator/emulatortest"
)

// updateDelay is how long cluster updates stay InProgress in these tests. The
// emulator's clock runs ahead of real time by a controlled offset, so the test
// decides when an update completes instead of racing a timer. Two updates move
// it 4 minutes ahead, well inside SigV4's 15-minute clock-skew window.
const updateDelay = 2 * time.Minute

// offsetClock is real time plus an offset the test advances.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// accessPolicies is the catalogue of ListAccessPolicies (eks-api.md §4), in order.
var accessPolicies = []string{
	"AIDevOpsAgentAccessPolicy", "AmazonAIOpsAssistantPolicy", "AmazonARCRegionSwitchScalingPolicy",
	"AmazonEKSACKPolicy", "AmazonEKSAdminPolicy", "AmazonEKSAdminViewPolicy", "AmazonEKSArgoCDClusterPolicy",
	"AmazonEKSArgoCDPolicy", "AmazonEKSAutoNodePolicy", "AmazonEKSBlockStorageClusterPolicy",
	"AmazonEKSBlockStoragePolicy", "AmazonEKSClusterAdminPolicy", "AmazonEKSComputeClusterPolicy",
	"AmazonEKSComputePolicy", "AmazonEKSEditPolicy", "AmazonEKSEventPolicy", "AmazonEKSHybridPolicy",
	"AmazonEKSKROPolicy", "AmazonEKSLoadBalancingClusterPolicy", "AmazonEKSLoadBalancingPolicy",
	"AmazonEKSNetworkingClusterPolicy", "AmazonEKSNetworkingPolicy", "AmazonEKSPodIdentityPolicy",
	"AmazonEKSSecretAdminPolicy", "AmazonEKSSecretReaderPolicy", "AmazonEKSViewPolicy", "AmazonEMRJobPolicy",
	"AmazonSagemakerHyperpodClusterPolicy", "AmazonSagemakerHyperpodControllerPolicy",
	"AmazonSagemakerHyperpodSpacePolicy", "AmazonSagemakerHyperpodSpaceTemplatePolicy",
	"AmazonSagemakerHyperpodSystemNamespacePolicy", "AmazonSagemakerHyperpodUserClusterPolicy",
}

// TestAWSCLI drives the whole AWS side through the real CLIs: IAM users and
// roles, STS AssumeRole, a cluster created by an assumed role, the
// authentication-mode ladder, access entries, access-policy associations,
// pagination, tags and the service's error texts.
func TestAWSCLI(t *testing.T) {
	for _, major := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", major), func(t *testing.T) {
			t.Parallel()
			c := newCLI(t, major)
			clock := &offsetClock{}
			e := emulatortest.New(t, emulatortest.WithConfig(func(c *config.Config) {
				c.UpdateDelay = updateDelay
				c.Now = clock.Now
			}))
			c.Endpoint = e.URL
			s := &scenario{t: t, cli: c, e: e, clock: clock, v: vars{}}
			s.run()
		})
	}
}

// scenario is one CLI's walk through the emulator.
type scenario struct {
	t     *testing.T
	cli   *cli
	e     *emulatortest.Emulator
	clock *offsetClock
	v     vars
}

// ok runs a command that must succeed and print JSON matching template, or
// nothing at all when template is "".
func (s *scenario) ok(creds emulatortest.Credentials, template string, args ...string) result {
	s.t.Helper()
	r := s.cli.run(s.t, creds, args...)
	if r.Code != 0 {
		s.t.Fatalf("want success:\n%s", r)
	}
	if r.Stderr != "" {
		s.t.Errorf("want nothing on stderr:\n%s", r)
	}
	if template == "" {
		if r.Stdout != "" {
			s.t.Errorf("want no output:\n%s", r)
		}
		return r
	}
	if problems := matchJSON(s.cli.Major, s.v, template, r.Stdout); len(problems) > 0 {
		s.t.Errorf("output does not match:\n  %s\n%s", strings.Join(problems, "\n  "), r)
	}
	return r
}

// fails runs a command the service must refuse: the CLI prints AWS's error
// line for errType on op with message (${name} expanded) and exits with its
// service-error code.
func (s *scenario) fails(creds emulatortest.Credentials, op, errType, message string, args ...string) {
	s.t.Helper()
	message, err := s.v.expand(message)
	if err != nil {
		s.t.Fatal(err)
	}
	r := s.cli.run(s.t, creds, args...)
	want := "\nAn error occurred (" + errType + ") when calling the " + op + " operation: " + message + "\n"
	if r.Code != s.cli.ServiceErrorExit || r.Stdout != "" || r.Stderr != want {
		s.t.Errorf("want exit %d, no output and stderr %q:\n%s", s.cli.ServiceErrorExit, want, r)
	}
}

// creds builds credentials from captured variables.
func (s *scenario) creds(key, secret, token string) emulatortest.Credentials {
	c := emulatortest.Credentials{AccessKeyID: s.v[key], SecretAccessKey: s.v[secret]}
	if token != "" {
		c.SessionToken = s.v[token]
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" || token != "" && c.SessionToken == "" {
		s.t.Fatalf("credentials %s/%s/%s were not captured", key, secret, token)
	}
	return c
}

// time parses a captured EKS timestamp.
func (s *scenario) time(name string) time.Time {
	s.t.Helper()
	tm, err := parseTime(s.cli.Major, s.v[name])
	if err != nil {
		s.t.Fatalf("timestamp %s = %q: %v", name, s.v[name], err)
	}
	return tm
}

// clusterJSON is the template of the demo cluster in a given state. The
// identifiers are captured the first time and must stay the same afterwards.
func clusterJSON(status, mode, tags string) string {
	endpoint := `"endpoint?": "<re:^https://[^ ]+$>",`
	ca := `{"data?": "<re:^[A-Za-z0-9+/]+=*$>"}`
	if status == "CREATING" {
		endpoint, ca = "", "{}"
	}
	return `{"cluster": {
		"name": "demo",
		"arn": "arn:aws:eks:us-east-1:111122223333:cluster/demo",
		"createdAt": "<ts@clusterCreatedAt>",
		"version": "1.34",
		` + endpoint + `
		"roleArn": "arn:aws:iam::111122223333:role/eks-cluster-role",
		"resourcesVpcConfig": {
			"subnetIds": ["subnet-1"],
			"securityGroupIds": [],
			"clusterSecurityGroupId": "<re@clusterSG:^sg-[0-9a-f]{17}$>",
			"vpcId": "<re@vpc:^vpc-[0-9a-f]{17}$>",
			"endpointPublicAccess": true,
			"endpointPrivateAccess": false,
			"publicAccessCidrs": ["0.0.0.0/0"]
		},
		"kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4", "elasticLoadBalancing": {"enabled": false}},
		"logging": {"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"], "enabled": false}]},
		"identity": {"oidc": {"issuer": "<re@issuer:^https://oidc\\.eks\\.us-east-1\\.amazonaws\\.com/id/[0-9A-F]{32}$>"}},
		"status": "` + status + `",
		"certificateAuthority": ` + ca + `,
		"clientRequestToken": "<uuid@clusterToken>",
		"platformVersion": "<re@platform:^eks\\.[0-9]+$>",
		"tags": ` + tags + `,
		"health": {"issues": []},
		"accessConfig": {"authenticationMode": "` + mode + `"},
		"upgradePolicy": {"supportType": "EXTENDED"}
	}}`
}

// updateJSON is the template of an AccessConfigUpdate.
func updateJSON(id, status, mode string) string {
	return `{"update": {
		"id": "<uuid@` + id + `>",
		"status": "` + status + `",
		"type": "AccessConfigUpdate",
		"params": [{"type": "AuthenticationMode", "value": "\"` + mode + `\""}],
		"createdAt": "<ts@` + id + `At>",
		"errors": []
	}}`
}

const (
	aliceARN     = "arn:aws:iam::111122223333:user/alice"
	bobARN       = "arn:aws:iam::111122223333:user/bob"
	adminRoleARN = "arn:aws:iam::111122223333:role/team/eks-admin"
	readerARN    = "arn:aws:iam::111122223333:role/dev/apps/app-reader"
	nodeRoleARN  = "arn:aws:iam::111122223333:role/node-role"
	sessionARN   = "arn:aws:sts::111122223333:assumed-role/eks-admin/e2e-session"
	policyPrefix = "arn:aws:eks::aws:cluster-access-policy/"
	viewPolicy   = policyPrefix + "AmazonEKSViewPolicy"
	editPolicy   = policyPrefix + "AmazonEKSEditPolicy"
	adminPolicy  = policyPrefix + "AmazonEKSClusterAdminPolicy"
	entryUUID    = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	notInAPIMode = "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
	noSuchEntry  = "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'."
	onlyStandard = `This operation can only be performed on Access Entries with a type of "STANDARD".`
	badToken     = "The security token included in the request is invalid."
	badSignature = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

func (s *scenario) run() {
	s.identities()
	s.cluster()
	s.modeLadder()
	s.accessEntries()
	s.accessPolicies()
	s.listAccessPolicies()
	s.tags()
	s.errors()
	s.deleteCluster()
}

// identities: as root, create users, keys and roles; assume a role as a user.
func (s *scenario) identities() {
	root := s.e.Root()
	s.ok(root, `{"UserId": "111122223333", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:root"}`,
		"sts", "get-caller-identity")

	for _, u := range []string{"alice", "bob"} {
		s.ok(root, `{"User": {"Path": "/", "UserName": "`+u+`", "UserId": "<re@`+u+`ID:^AIDA[A-Z0-9]{17}$>",
			"Arn": "arn:aws:iam::111122223333:user/`+u+`", "CreateDate": "<qts>"}}`,
			"iam", "create-user", "--user-name", u)
	}
	s.ok(root, `{"AccessKey": {"UserName": "alice", "AccessKeyId": "<re@aliceKey:^AKIA[A-Z0-9]{16}$>", "Status": "Active",
		"SecretAccessKey": "<re@aliceSecret:^[A-Za-z0-9/+]{40}$>", "CreateDate": "<qts>"}}`,
		"iam", "create-access-key", "--user-name", "alice")
	alice := s.creds("aliceKey", "aliceSecret", "")

	trust := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`
	}
	roles := []struct{ name, path, arn, id, principal string }{
		{"eks-admin", "/team/", adminRoleARN, "adminRoleID", `{"AWS":"` + aliceARN + `"}`},
		{"app-reader", "/dev/apps/", readerARN, "readerRoleID", `{"AWS":"arn:aws:iam::111122223333:root"}`},
		{"node-role", "/", nodeRoleARN, "nodeRoleID", `{"Service":"ec2.amazonaws.com"}`},
	}
	for _, r := range roles {
		args := []string{"iam", "create-role", "--role-name", r.name, "--assume-role-policy-document", trust(r.principal)}
		if r.path != "/" {
			args = append(args, "--path", r.path)
		}
		s.ok(root, `{"Role": {"Path": "`+r.path+`", "RoleName": "`+r.name+`", "RoleId": "<re@`+r.id+`:^AROA[A-Z0-9]{17}$>",
			"Arn": "`+r.arn+`", "CreateDate": "<qts>",
			"AssumeRolePolicyDocument": `+trust(r.principal)+`, "MaxSessionDuration": 3600}}`, args...)
	}

	s.ok(alice, `{"UserId": "${aliceID}", "Account": "111122223333", "Arn": "`+aliceARN+`"}`, "sts", "get-caller-identity")
	s.fails(alice, "AssumeRole", "AccessDenied",
		"User: "+aliceARN+" is not authorized to perform: sts:AssumeRole on resource: "+nodeRoleARN,
		"sts", "assume-role", "--role-arn", nodeRoleARN, "--role-session-name", "e2e-session")
	s.ok(alice, `{
		"Credentials": {"AccessKeyId": "<re@sessKey:^ASIA[A-Z0-9]{16}$>", "SecretAccessKey": "<re@sessSecret:^[A-Za-z0-9/+]{40}$>",
			"SessionToken": "<re@sessToken:^[A-Za-z0-9/+]+=*$>", "Expiration": "<qts@sessExpiration>"},
		"AssumedRoleUser": {"AssumedRoleId": "${adminRoleID}:e2e-session", "Arn": "`+sessionARN+`"}}`,
		"sts", "assume-role", "--role-arn", adminRoleARN, "--role-session-name", "e2e-session")
	exp, err := time.Parse(time.RFC3339, strings.Replace(s.v["sessExpiration"], "+00:00", "Z", 1))
	if err != nil {
		s.t.Fatal(err)
	}
	if d := exp.Sub(s.clock.Now()); d < 59*time.Minute || d > time.Hour {
		s.t.Errorf("session expires in %s, want the default 1h", d)
	}
	session := s.creds("sessKey", "sessSecret", "sessToken")
	s.ok(session, `{"UserId": "${adminRoleID}:e2e-session", "Account": "111122223333", "Arn": "`+sessionARN+`"}`,
		"sts", "get-caller-identity")
}

func (s *scenario) session() emulatortest.Credentials {
	return s.creds("sessKey", "sessSecret", "sessToken")
}

// cluster: the assumed role creates a cluster, which comes up ACTIVE.
func (s *scenario) cluster() {
	session := s.session()
	s.ok(session, clusterJSON("CREATING", "CONFIG_MAP", "{}"),
		"eks", "create-cluster", "--name", "demo", "--kubernetes-version", "1.34",
		"--role-arn", "arn:aws:iam::111122223333:role/eks-cluster-role", "--resources-vpc-config", "subnetIds=subnet-1")
	s.waitActive(session)
	s.ok(session, clusterJSON("ACTIVE", "CONFIG_MAP", "{}"), "eks", "describe-cluster", "--name", "demo")
	// The CLI's own waiter polls DescribeCluster too; the cluster is ACTIVE, so it returns at once.
	s.ok(session, "", "eks", "wait", "cluster-active", "--name", "demo")
	s.fails(session, "CreateCluster", "ResourceInUseException", "Cluster already exists with name: demo",
		"eks", "create-cluster", "--name", "demo", "--role-arn", "arn:aws:iam::111122223333:role/eks-cluster-role",
		"--resources-vpc-config", "subnetIds=subnet-1")
	s.fails(session, "CreateCluster", "InvalidParameterException",
		"bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP",
		"eks", "create-cluster", "--name", "other", "--role-arn", "arn:aws:iam::111122223333:role/eks-cluster-role",
		"--resources-vpc-config", "subnetIds=subnet-1",
		"--access-config", "authenticationMode=CONFIG_MAP,bootstrapClusterCreatorAdminPermissions=false")
	s.ok(s.e.Root(), `{"clusters": ["demo"]}`, "eks", "list-clusters")
}

// waitActive polls describe-cluster until the cluster is ACTIVE.
func (s *scenario) waitActive(creds emulatortest.Credentials) {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r := s.cli.run(s.t, creds, "eks", "describe-cluster", "--name", "demo", "--query", "cluster.status")
		if r.Code == 0 && strings.TrimSpace(r.Stdout) == `"ACTIVE"` {
			return
		}
		if r.Code != 0 || time.Now().After(deadline) {
			s.t.Fatalf("cluster does not become ACTIVE:\n%s", r)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// completeUpdate lets the emulator's time pass the update delay and polls
// describe-update until the update is Successful.
func (s *scenario) completeUpdate(id, mode string) {
	s.t.Helper()
	s.clock.Advance(updateDelay)
	deadline := time.Now().Add(time.Minute)
	for {
		r := s.cli.run(s.t, s.session(), "eks", "describe-update", "--name", "demo", "--update-id", s.v[id], "--query", "update.status")
		if r.Code == 0 && strings.TrimSpace(r.Stdout) == `"Successful"` {
			break
		}
		if r.Code != 0 || time.Now().After(deadline) {
			s.t.Fatalf("update %s does not complete:\n%s", s.v[id], r)
		}
		time.Sleep(500 * time.Millisecond)
	}
	s.ok(s.session(), updateJSON(id, "Successful", mode), "eks", "describe-update", "--name", "demo", "--update-id", s.v[id])
}

// modeLadder: CONFIG_MAP → API_AND_CONFIG_MAP → API, every other step refused
// with EKS's texts (eks-api.md §3.5, §3.7a).
func (s *scenario) modeLadder() {
	session := s.session()
	s.fails(session, "ListAccessEntries", "InvalidRequestException", notInAPIMode,
		"eks", "list-access-entries", "--cluster-name", "demo")
	s.fails(session, "DescribeAccessEntry", "InvalidRequestException", notInAPIMode,
		"eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", adminRoleARN)
	s.fails(session, "CreateAccessEntry", "InvalidRequestException", notInAPIMode,
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", bobARN)
	s.fails(session, "UpdateClusterConfig", "InvalidParameterException", "Unsupported authentication mode update from CONFIG_MAP to API",
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API")

	s.ok(session, updateJSON("upd1", "InProgress", "API_AND_CONFIG_MAP"),
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API_AND_CONFIG_MAP")
	// While the update runs: the cluster is UPDATING in its old mode, and no second update is accepted.
	s.ok(session, updateJSON("upd1", "InProgress", "API_AND_CONFIG_MAP"), "eks", "describe-update", "--name", "demo", "--update-id", s.v["upd1"])
	s.ok(session, clusterJSON("UPDATING", "CONFIG_MAP", "{}"), "eks", "describe-cluster", "--name", "demo")
	s.fails(session, "ListAccessEntries", "InvalidRequestException", notInAPIMode,
		"eks", "list-access-entries", "--cluster-name", "demo")
	s.fails(session, "UpdateClusterConfig", "ResourceInUseException", "Cannot AccessConfigUpdate because cluster demo currently has update ${upd1} in progress",
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API")

	s.completeUpdate("upd1", "API_AND_CONFIG_MAP")
	s.ok(session, clusterJSON("ACTIVE", "API_AND_CONFIG_MAP", "{}"), "eks", "describe-cluster", "--name", "demo")
	// The creator's bootstrap entry, recorded at creation and visible now (eks-api.md §5.5).
	s.ok(session, `{"accessEntries": ["`+adminRoleARN+`"]}`, "eks", "list-access-entries", "--cluster-name", "demo")
	s.ok(session, `{"accessEntry": {
		"clusterName": "demo", "principalArn": "`+adminRoleARN+`", "kubernetesGroups": [],
		"accessEntryArn": "<re@adminEntryArn:^arn:aws:eks:us-east-1:111122223333:access-entry/demo/role/111122223333/eks-admin/`+entryUUID+`$>",
		"createdAt": "<ts@clusterCreatedAt>", "modifiedAt": "<ts@clusterCreatedAt>", "tags": {},
		"username": "arn:aws:sts::111122223333:assumed-role/eks-admin/{{SessionName}}", "type": "STANDARD"}}`,
		"eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", adminRoleARN)
	s.ok(session, `{"associatedAccessPolicies": [{"policyArn": "`+adminPolicy+`", "accessScope": {"type": "cluster", "namespaces": []},
		"associatedAt": "<ts@clusterCreatedAt>", "modifiedAt": "<ts@clusterCreatedAt>"}],
		"clusterName": "demo", "principalArn": "`+adminRoleARN+`"}`,
		"eks", "list-associated-access-policies", "--cluster-name", "demo", "--principal-arn", adminRoleARN)

	s.fails(session, "UpdateClusterConfig", "InvalidParameterException", "Unsupported authentication mode update from API_AND_CONFIG_MAP to CONFIG_MAP",
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=CONFIG_MAP")
	s.fails(session, "UpdateClusterConfig", "InvalidParameterException", "Unsupported authentication mode update from API_AND_CONFIG_MAP to API_AND_CONFIG_MAP",
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API_AND_CONFIG_MAP")

	s.ok(session, updateJSON("upd2", "InProgress", "API"),
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API")
	s.completeUpdate("upd2", "API")
	s.ok(session, clusterJSON("ACTIVE", "API", "{}"), "eks", "describe-cluster", "--name", "demo")
	s.fails(session, "UpdateClusterConfig", "InvalidParameterException", "Unsupported authentication mode update from API to API_AND_CONFIG_MAP",
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API_AND_CONFIG_MAP")
	s.fails(session, "UpdateClusterConfig", "InvalidParameterException", "Unsupported authentication mode update from API to API",
		"eks", "update-cluster-config", "--name", "demo", "--access-config", "authenticationMode=API")
	s.ok(session, `{"updateIds": ["${upd1}", "${upd2}"]}`, "eks", "list-updates", "--name", "demo")
	if !s.time("upd1At").Before(s.time("upd2At")) {
		s.t.Errorf("update 2 (%s) was not created after update 1 (%s)", s.v["upd2At"], s.v["upd1At"])
	}
}

// accessEntries: create, describe, list, update and delete entries of each kind.
func (s *scenario) accessEntries() {
	session := s.session()
	s.ok(session, `{"accessEntry": {
		"clusterName": "demo", "principalArn": "`+bobARN+`", "kubernetesGroups": ["devs", "readers"],
		"accessEntryArn": "<re@bobEntryArn:^arn:aws:eks:us-east-1:111122223333:access-entry/demo/user/111122223333/bob/`+entryUUID+`$>",
		"createdAt": "<ts@bobCreated>", "modifiedAt": "<ts@bobCreated>", "tags": {"team": "platform"},
		"username": "`+bobARN+`", "type": "STANDARD"}}`,
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", bobARN,
		"--kubernetes-groups", "devs", "readers", "--type", "STANDARD", "--tags", "team=platform")
	readerEntry := `{"accessEntry": {
		"clusterName": "demo", "principalArn": "` + readerARN + `", "kubernetesGroups": [],
		"accessEntryArn": "<re@readerEntryArn:^arn:aws:eks:us-east-1:111122223333:access-entry/demo/role/111122223333/app-reader/` + entryUUID + `$>",
		"createdAt": "<ts@readerCreated>", "modifiedAt": "<ts@readerCreated>", "tags": {},
		"username": "arn:aws:sts::111122223333:assumed-role/app-reader/{{SessionName}}", "type": "STANDARD"}}`
	s.ok(session, readerEntry, "eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", readerARN)
	s.ok(session, `{"accessEntry": {
		"clusterName": "demo", "principalArn": "`+nodeRoleARN+`", "kubernetesGroups": ["system:nodes"],
		"accessEntryArn": "<re@nodeEntryArn:^arn:aws:eks:us-east-1:111122223333:access-entry/demo/role/111122223333/node-role/`+entryUUID+`$>",
		"createdAt": "<ts@nodeCreated>", "modifiedAt": "<ts@nodeCreated>", "tags": {},
		"username": "system:node:{{EC2PrivateDNSName}}", "type": "EC2_LINUX"}}`,
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", nodeRoleARN, "--type", "EC2_LINUX")

	s.fails(session, "CreateAccessEntry", "ResourceInUseException", "The specified access entry resource is already in use on this cluster.",
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", bobARN)
	s.fails(session, "CreateAccessEntry", "InvalidParameterException", "The principalArn parameter format is not valid",
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", sessionARN)
	s.fails(session, "CreateAccessEntry", "InvalidParameterException",
		"The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role",
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn",
		"arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS")
	s.fails(session, "CreateAccessEntry", "InvalidParameterException", "The specified principalArn is invalid: invalid principal.",
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", "arn:aws:iam::111122223333:role/no-such-role")
	s.fails(session, "CreateAccessEntry", "InvalidParameterException", "The kubernetes group name system:masters is invalid, it cannot start with system:",
		"eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", aliceARN, "--kubernetes-groups", "system:masters")

	s.ok(session, readerEntry, "eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", readerARN)
	all := `{"accessEntries": ["` + readerARN + `", "` + nodeRoleARN + `", "` + adminRoleARN + `", "` + bobARN + `"]}`
	s.ok(session, all, "eks", "list-access-entries", "--cluster-name", "demo")
	// Server-side pages, followed by the CLI.
	s.ok(session, all, "eks", "list-access-entries", "--cluster-name", "demo", "--page-size", "1")
	// One page at a time, as the API returns it.
	s.ok(session, `{"accessEntries": ["`+readerARN+`", "`+nodeRoleARN+`"], "nextToken": "<re@entriesToken:^[A-Za-z0-9_=+/-]+$>"}`,
		"eks", "list-access-entries", "--cluster-name", "demo", "--max-results", "2")
	s.ok(session, `{"accessEntries": ["`+adminRoleARN+`", "`+bobARN+`"]}`,
		"eks", "list-access-entries", "--cluster-name", "demo", "--max-results", "2", "--next-token", s.v["entriesToken"])

	s.ok(session, `{"accessEntry": {
		"clusterName": "demo", "principalArn": "`+bobARN+`", "kubernetesGroups": ["admins"],
		"accessEntryArn": "${bobEntryArn}", "createdAt": "<ts@bobCreated>", "modifiedAt": "<ts@bobModified>",
		"tags": {"team": "platform"}, "username": "bob-admin", "type": "STANDARD"}}`,
		"eks", "update-access-entry", "--cluster-name", "demo", "--principal-arn", bobARN,
		"--kubernetes-groups", "admins", "--username", "bob-admin")
	if !s.time("bobModified").After(s.time("bobCreated")) {
		s.t.Errorf("modifiedAt %s is not after createdAt %s", s.v["bobModified"], s.v["bobCreated"])
	}
	// A member left out of UpdateAccessEntry returns to its default (eks-api.md §3.11).
	s.ok(session, `{"accessEntry": {
		"clusterName": "demo", "principalArn": "`+bobARN+`", "kubernetesGroups": ["viewers"],
		"accessEntryArn": "${bobEntryArn}", "createdAt": "<ts@bobCreated>", "modifiedAt": "<ts>",
		"tags": {"team": "platform"}, "username": "`+bobARN+`", "type": "STANDARD"}}`,
		"eks", "update-access-entry", "--cluster-name", "demo", "--principal-arn", bobARN, "--kubernetes-groups", "viewers")
	s.ok(session, `{"accessEntry": {
		"clusterName": "demo", "principalArn": "`+readerARN+`", "kubernetesGroups": ["readers"],
		"accessEntryArn": "${readerEntryArn}", "createdAt": "<ts@readerCreated>", "modifiedAt": "<ts>",
		"tags": {}, "username": "reader:{{SessionName}}", "type": "STANDARD"}}`,
		"eks", "update-access-entry", "--cluster-name", "demo", "--principal-arn", readerARN,
		"--kubernetes-groups", "readers", "--username", "reader:{{SessionName}}")
	s.fails(session, "UpdateAccessEntry", "InvalidParameterException", "The username must not begin with system:",
		"eks", "update-access-entry", "--cluster-name", "demo", "--principal-arn", nodeRoleARN, "--username", "system:node:{{EC2PrivateDNSName}}")

	s.ok(session, "", "eks", "delete-access-entry", "--cluster-name", "demo", "--principal-arn", readerARN)
	s.fails(session, "DescribeAccessEntry", "ResourceNotFoundException", noSuchEntry,
		"eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", readerARN)
	s.fails(session, "DeleteAccessEntry", "ResourceNotFoundException", noSuchEntry,
		"eks", "delete-access-entry", "--cluster-name", "demo", "--principal-arn", readerARN)
	s.ok(session, `{"accessEntries": ["`+nodeRoleARN+`", "`+adminRoleARN+`", "`+bobARN+`"]}`,
		"eks", "list-access-entries", "--cluster-name", "demo")
}

// accessPolicies: associate with cluster and namespace scope, replace a scope,
// list, filter entries by policy, disassociate.
func (s *scenario) accessPolicies() {
	session := s.session()
	associated := func(policy, scope, at, modified string) string {
		return `{"clusterName": "demo", "principalArn": "` + bobARN + `", "associatedAccessPolicy": {
			"policyArn": "` + policy + `", "accessScope": ` + scope + `, "associatedAt": "` + at + `", "modifiedAt": "` + modified + `"}}`
	}
	s.ok(session, associated(viewPolicy, `{"type": "namespace", "namespaces": ["app", "dev-*"]}`, "<ts@viewAt>", "<ts@viewAt>"),
		"eks", "associate-access-policy", "--cluster-name", "demo", "--principal-arn", bobARN,
		"--policy-arn", viewPolicy, "--access-scope", `{"type": "namespace", "namespaces": ["app", "dev-*"]}`)
	s.ok(session, associated(editPolicy, `{"type": "cluster", "namespaces": []}`, "<ts@editAt>", "<ts@editAt>"),
		"eks", "associate-access-policy", "--cluster-name", "demo", "--principal-arn", bobARN,
		"--policy-arn", editPolicy, "--access-scope", "type=cluster")
	// Associating again replaces the scope, keeps associatedAt and bumps modifiedAt (eks-api.md §3.13).
	s.ok(session, associated(viewPolicy, `{"type": "namespace", "namespaces": ["prod"]}`, "<ts@viewAt>", "<ts@viewModified>"),
		"eks", "associate-access-policy", "--cluster-name", "demo", "--principal-arn", bobARN,
		"--policy-arn", viewPolicy, "--access-scope", "type=namespace,namespaces=prod")
	if !s.time("viewModified").After(s.time("viewAt")) {
		s.t.Errorf("modifiedAt %s is not after associatedAt %s", s.v["viewModified"], s.v["viewAt"])
	}
	s.ok(session, `{"associatedAccessPolicies": [
		{"policyArn": "`+editPolicy+`", "accessScope": {"type": "cluster", "namespaces": []}, "associatedAt": "<ts@editAt>", "modifiedAt": "<ts@editAt>"},
		{"policyArn": "`+viewPolicy+`", "accessScope": {"type": "namespace", "namespaces": ["prod"]}, "associatedAt": "<ts@viewAt>", "modifiedAt": "<ts@viewModified>"}
	], "clusterName": "demo", "principalArn": "`+bobARN+`"}`,
		"eks", "list-associated-access-policies", "--cluster-name", "demo", "--principal-arn", bobARN)
	s.ok(session, `{"accessEntries": ["`+bobARN+`"]}`,
		"eks", "list-access-entries", "--cluster-name", "demo", "--associated-policy-arn", viewPolicy)
	s.ok(session, `{"accessEntries": ["`+adminRoleARN+`"]}`,
		"eks", "list-access-entries", "--cluster-name", "demo", "--associated-policy-arn", adminPolicy)

	s.fails(session, "ListAssociatedAccessPolicies", "InvalidParameterException", onlyStandard,
		"eks", "list-associated-access-policies", "--cluster-name", "demo", "--principal-arn", nodeRoleARN)
	s.fails(session, "AssociateAccessPolicy", "InvalidParameterException", onlyStandard,
		"eks", "associate-access-policy", "--cluster-name", "demo", "--principal-arn", nodeRoleARN,
		"--policy-arn", viewPolicy, "--access-scope", "type=cluster")
	s.fails(session, "AssociateAccessPolicy", "ResourceNotFoundException", noSuchEntry,
		"eks", "associate-access-policy", "--cluster-name", "demo", "--principal-arn", aliceARN,
		"--policy-arn", viewPolicy, "--access-scope", "type=cluster")

	s.ok(session, "", "eks", "disassociate-access-policy", "--cluster-name", "demo", "--principal-arn", bobARN, "--policy-arn", editPolicy)
	s.ok(session, `{"associatedAccessPolicies": [
		{"policyArn": "`+viewPolicy+`", "accessScope": {"type": "namespace", "namespaces": ["prod"]}, "associatedAt": "<ts@viewAt>", "modifiedAt": "<ts@viewModified>"}
	], "clusterName": "demo", "principalArn": "`+bobARN+`"}`,
		"eks", "list-associated-access-policies", "--cluster-name", "demo", "--principal-arn", bobARN)
	s.ok(session, `{"accessEntries": []}`,
		"eks", "list-access-entries", "--cluster-name", "demo", "--associated-policy-arn", editPolicy)
}

// policiesJSON lists access policies [from, to) of the catalogue, with extra members.
func policiesJSON(from, to int, extra string) string {
	items := make([]string, 0, to-from)
	for _, n := range accessPolicies[from:to] {
		items = append(items, `{"name": "`+n+`", "arn": "`+policyPrefix+n+`"}`)
	}
	return `{"accessPolicies": [` + strings.Join(items, ", ") + `]` + extra + `}`
}

// listAccessPolicies: the 33-policy catalogue, whole and in pages.
func (s *scenario) listAccessPolicies() {
	if len(accessPolicies) != 33 {
		s.t.Fatalf("the catalogue in this test has %d policies", len(accessPolicies))
	}
	root := s.e.Root()
	s.ok(root, policiesJSON(0, 33, ""), "eks", "list-access-policies")
	s.ok(root, policiesJSON(0, 33, ""), "eks", "list-access-policies", "--page-size", "5")
	// --max-items needs the paginators file next to the added model on CLI v2 (eks-api.md §7).
	s.ok(root, policiesJSON(0, 10, `, "NextToken": "<re@policiesToken:^[A-Za-z0-9+/=]+$>"`), "eks", "list-access-policies", "--max-items", "10")
	s.ok(root, policiesJSON(10, 33, ""), "eks", "list-access-policies", "--max-items", "30", "--starting-token", s.v["policiesToken"])
	s.ok(root, policiesJSON(0, 7, `, "NextToken": "<re@policiesToken2:^[A-Za-z0-9+/=]+$>"`), "eks", "list-access-policies", "--max-items", "7", "--page-size", "5")
	s.ok(root, policiesJSON(7, 33, ""), "eks", "list-access-policies", "--page-size", "5", "--starting-token", s.v["policiesToken2"])
	s.ok(root, policiesJSON(0, 5, `, "nextToken": "<re@apiToken:^[A-Za-z0-9_=+/-]+$>"`), "eks", "list-access-policies", "--max-results", "5")
	s.ok(root, policiesJSON(5, 10, `, "nextToken": "<re:^[A-Za-z0-9_=+/-]+$>"`), "eks", "list-access-policies", "--max-results", "5", "--next-token", s.v["apiToken"])
}

// tags: tag, untag and list tags on the cluster and on an access entry.
func (s *scenario) tags() {
	session := s.session()
	clusterARN := "arn:aws:eks:us-east-1:111122223333:cluster/demo"
	s.ok(session, "", "eks", "tag-resource", "--resource-arn", clusterARN, "--tags", "env=dev,owner=alice")
	s.ok(session, `{"tags": {"env": "dev", "owner": "alice"}}`, "eks", "list-tags-for-resource", "--resource-arn", clusterARN)
	s.ok(session, "", "eks", "untag-resource", "--resource-arn", clusterARN, "--tag-keys", "owner")
	s.ok(session, `{"tags": {"env": "dev"}}`, "eks", "list-tags-for-resource", "--resource-arn", clusterARN)
	s.ok(session, clusterJSON("ACTIVE", "API", `{"env": "dev"}`), "eks", "describe-cluster", "--name", "demo")

	entryARN := s.v["bobEntryArn"]
	s.ok(session, "", "eks", "tag-resource", "--resource-arn", entryARN, "--tags", "tier=gold,team=core")
	s.ok(session, `{"tags": {"team": "core", "tier": "gold"}}`, "eks", "list-tags-for-resource", "--resource-arn", entryARN)
	s.ok(session, "", "eks", "untag-resource", "--resource-arn", entryARN, "--tag-keys", "team", "absent")
	s.ok(session, `{"tags": {"tier": "gold"}}`, "eks", "list-tags-for-resource", "--resource-arn", entryARN)
	s.ok(session, `{"accessEntry": {
		"clusterName": "demo", "principalArn": "`+bobARN+`", "kubernetesGroups": ["viewers"],
		"accessEntryArn": "${bobEntryArn}", "createdAt": "<ts@bobCreated>", "modifiedAt": "<ts>",
		"tags": {"tier": "gold"}, "username": "`+bobARN+`", "type": "STANDARD"}}`,
		"eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", bobARN)
}

// errors: a missing cluster, unknown credentials and a wrong secret.
func (s *scenario) errors() {
	root := s.e.Root()
	s.fails(root, "DescribeCluster", "ResourceNotFoundException", "No cluster found for name: nope.",
		"eks", "describe-cluster", "--name", "nope")
	s.fails(root, "ListAccessEntries", "ResourceNotFoundException", "No cluster found for name: nope.",
		"eks", "list-access-entries", "--cluster-name", "nope")
	unknown := emulatortest.Credentials{AccessKeyID: "AKIAZZZZZZZZZZZZZZZZ", SecretAccessKey: "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"}
	s.fails(unknown, "ListClusters", "UnrecognizedClientException", badToken, "eks", "list-clusters")
	s.fails(unknown, "GetCallerIdentity", "InvalidClientTokenId", badToken, "sts", "get-caller-identity")
	s.fails(unknown, "ListUsers", "InvalidClientTokenId", badToken, "iam", "list-users")
	wrongSecret := s.creds("aliceKey", "aliceSecret", "")
	wrongSecret.SecretAccessKey = strings.Repeat("x", 40)
	s.fails(wrongSecret, "ListClusters", "InvalidSignatureException", badSignature, "eks", "list-clusters")
	s.fails(wrongSecret, "GetCallerIdentity", "SignatureDoesNotMatch", badSignature, "sts", "get-caller-identity")
	s.fails(wrongSecret, "ListUsers", "SignatureDoesNotMatch", badSignature, "iam", "list-users")
}

// deleteCluster: the cluster goes away with its entries.
func (s *scenario) deleteCluster() {
	session := s.session()
	s.ok(session, clusterJSON("DELETING", "API", `{"env": "dev"}`), "eks", "delete-cluster", "--name", "demo")
	s.fails(session, "DescribeCluster", "ResourceNotFoundException", "No cluster found for name: demo.",
		"eks", "describe-cluster", "--name", "demo")
	s.ok(session, `{"clusters": []}`, "eks", "list-clusters")
}
