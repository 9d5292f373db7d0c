package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator/emulatortest"
)

// The kubectl scenarios: the real AWS CLI v1 ("aws" on PATH) and the real
// kubectl drive clusters whose kube-apiservers eksemu runs, the way the AWS
// knowledge-center article on cluster access (issue #4) and the blog post on
// access entries (issue #5) do it. kubectl's exec plugin is the kubeconfig
// "aws eks get-token" stanza written by "aws eks update-kubeconfig", so the
// AWS credentials in kubectl's environment decide who kubectl is.
//
// Every assertion is on what the binaries print. Two kinds of stderr lines are
// set aside before comparing: client-go's discovery errors ("E1124 … memcache.go:265]
// …", kept in output.discovery, checked where they matter) and kubectl's
// version-skew warning.

const (
	acct           = "111122223333"
	clusterRoleARN = "arn:aws:iam::111122223333:role/eks-cluster-role"
	userARNPrefix  = "arn:aws:iam::111122223333:user/"
	clusterARNPref = "arn:aws:eks:us-east-1:111122223333:cluster/"
	eksAdminPolicy = policyPrefix + "AmazonEKSAdminPolicy" // viewPolicy and adminPolicy (ClusterAdmin): awscli_test.go
	mustLogIn      = "error: You must be logged in to the server (Unauthorized)\n"
	mustLogInDisco = "error: You must be logged in to the server (the server has asked for the client to provide credentials)\n"
	discovery401   = `"Unhandled Error" err="couldn't get current server API group list: the server has asked for the client to provide credentials"`
)

var (
	// discoveryNoise is client-go's klog line for a failed discovery request.
	discoveryNoise = regexp.MustCompile(`^E[0-9]{4} [0-9:.]+ +[0-9]+ memcache\.go:[0-9]+\] (.*)$`)
	// skewWarning is what kubectl 1.32 prints for a 1.37 server.
	skewWarning = regexp.MustCompile(`^WARNING: version difference between client \(1\.[0-9]+\) and server \(1\.[0-9]+\) exceeds the supported minor version skew of \+/-1$`)
)

// principal is an IAM identity the scenarios act as.
type principal struct {
	// Name labels the principal in the log.
	Name string
	// ARN is what GetCallerIdentity returns; CanonicalARN is aws-iam-authenticator's
	// form of it (a role session becomes its role without the path).
	ARN, CanonicalARN string
	// ID is the user or role ID (AIDA…, AROA…), without a session name.
	ID      string
	Session string
	Creds   emulatortest.Credentials
}

// kubeEnv is one emulator whose clusters get real API servers, and the CLIs.
type kubeEnv struct {
	e       *emulatortest.Emulator
	aws     string // CLI v1: both the tests and kubectl's exec plugin run "aws" from PATH
	kubectl string
	root    principal
}

// newKubeEnv finds kubectl and the CLI (skipping locally, failing under CI)
// and starts an emulator with Kubernetes.
func newKubeEnv(t *testing.T, opts ...emulatortest.Option) *kubeEnv {
	t.Helper()
	k := &kubeEnv{kubectl: findKubectl(t)}
	k.aws, _ = findCLI(t, 1)
	k.start(t, opts...)
	k.root = principal{Name: "root", ARN: "arn:aws:iam::" + acct + ":root", CanonicalARN: "arn:aws:iam::" + acct + ":root", ID: acct, Creds: k.e.Root()}
	return k
}

func (k *kubeEnv) start(t *testing.T, opts ...emulatortest.Option) {
	t.Helper()
	start := time.Now()
	k.e = emulatortest.New(t, append([]emulatortest.Option{emulatortest.WithKubernetes()}, opts...)...)
	t.Logf("emulator at %s (started in %s)", k.e.URL, time.Since(start).Round(time.Millisecond))
}

// findKubectl returns the kubectl on PATH after checking that it runs.
func findKubectl(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		requireCLI(t, "kubectl not found on PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version", "--client")
	cmd.Env = hermeticEnv(t.TempDir(), nil)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "Client Version: v1.") {
		requireCLI(t, "%s version --client: %v: %s", bin, err, out)
	}
	t.Logf("using %s (%s)", bin, strings.SplitN(string(out), "\n", 2)[0])
	return bin
}

// machine is one workstation: a HOME with its own AWS configuration,
// kubeconfig and kubectl discovery cache.
type machine struct {
	k    *kubeEnv
	home string
}

func (k *kubeEnv) machine(t *testing.T) *machine {
	return &machine{k: k, home: t.TempDir()}
}

// env is the hermetic environment of a command run as who, with the emulator
// as AWS_ENDPOINT_URL (which CLI v1 honours for EKS and for the STS URL it
// presigns in get-token) and no KUBECONFIG from outside.
func (m *machine) env(who principal) []string {
	creds := who.Creds
	var env []string
	for _, kv := range hermeticEnv(m.home, &creds) {
		name, _, _ := strings.Cut(kv, "=")
		if name == "KUBECONFIG" || name == "KUBECACHEDIR" || strings.HasPrefix(name, "KUBECTL_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "AWS_ENDPOINT_URL="+m.k.e.URL)
}

// output is what one kubectl or aws invocation printed.
type output struct {
	cmd            string
	stdout, stderr string
	code           int
	// discovery are client-go's memcache.go error messages, taken out of stderr.
	discovery []string
}

func (o output) String() string {
	s := fmt.Sprintf("$ %s\nexit %d\nstdout:\n%s\nstderr:\n%s", o.cmd, o.code, o.stdout, o.stderr)
	if len(o.discovery) > 0 {
		s += fmt.Sprintf("discovery errors (%d):\n%s\n", len(o.discovery), strings.Join(o.discovery, "\n"))
	}
	return s
}

// run runs bin as who in the machine's HOME.
func (m *machine) run(t *testing.T, who principal, bin string, args ...string) output {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = m.env(who)
	cmd.Dir = m.home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	shown := make([]string, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "k8s-aws-v1.") {
			a = "k8s-aws-v1.…" // tokens are long and say nothing to the reader
		}
		shown[i] = a
	}
	o := output{cmd: filepath.Base(bin) + " " + strings.Join(shown, " "), stdout: stdout.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		o.code = exit.ExitCode()
	default:
		t.Fatalf("%s: %v (stderr: %s)", o.cmd, err, stderr.String())
	}
	var kept []string
	for _, line := range strings.SplitAfter(stderr.String(), "\n") {
		trimmed := strings.TrimSuffix(line, "\n")
		if sub := discoveryNoise.FindStringSubmatch(trimmed); sub != nil {
			o.discovery = append(o.discovery, sub[1])
			continue
		}
		if skewWarning.MatchString(trimmed) {
			continue
		}
		kept = append(kept, line)
	}
	o.stderr = strings.Join(kept, "")
	t.Logf("[%s] $ %s  [exit %d, %s]", who.Name, o.cmd, o.code, time.Since(start).Round(time.Millisecond))
	return o
}

// kubectl runs kubectl as who.
func (m *machine) kubectl(t *testing.T, who principal, args ...string) output {
	t.Helper()
	return m.run(t, who, m.k.kubectl, args...)
}

// expect checks the exit code and both streams exactly (after the noise is set aside).
func (o output) expect(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if o.code != code || o.stdout != stdout || o.stderr != stderr {
		t.Errorf("want exit %d\nstdout:\n%s\nstderr:\n%s\ngot:\n%s", code, stdout, stderr, o)
	}
}

// ok expects success with exactly stdout and nothing on stderr.
func (o output) ok(t *testing.T, stdout string) { t.Helper(); o.expect(t, 0, stdout, "") }

// fails expects exit 1, nothing on stdout and exactly stderr.
func (o output) fails(t *testing.T, stderr string) { t.Helper(); o.expect(t, 1, "", stderr) }

// noDiscoveryErrors checks that discovery did not fail (it was cached or it worked).
func (o output) noDiscoveryErrors(t *testing.T) {
	t.Helper()
	if len(o.discovery) > 0 {
		t.Errorf("want no discovery errors:\n%s", o)
	}
}

// aws runs an API command of the CLI as who and returns its JSON output,
// failing the test on any error.
func (m *machine) aws(t *testing.T, who principal, args ...string) map[string]any {
	t.Helper()
	o := m.run(t, who, m.k.aws, append(args, "--output", "json")...)
	if o.code != 0 || o.stderr != "" {
		t.Fatalf("want success:\n%s", o)
	}
	if strings.TrimSpace(o.stdout) == "" {
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(o.stdout), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, o)
	}
	return v
}

// awsMatch runs an API command and matches its JSON output with a template (see match_test.go).
func (m *machine) awsMatch(t *testing.T, who principal, v vars, template string, args ...string) {
	t.Helper()
	o := m.run(t, who, m.k.aws, append(args, "--output", "json")...)
	if o.code != 0 || o.stderr != "" {
		t.Fatalf("want success:\n%s", o)
	}
	if problems := matchJSON(1, v, template, o.stdout); len(problems) > 0 {
		t.Errorf("output does not match:\n  %s\n%s", strings.Join(problems, "\n  "), o)
	}
}

// str digs a string out of decoded JSON.
func str(t *testing.T, v any, path ...string) string {
	t.Helper()
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no %s in %v", p, v)
		}
		v = obj[p]
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s is %v, not a string", strings.Join(path, "."), v)
	}
	return s
}

// createUser creates an IAM user and an access key for it, as root.
func (m *machine) createUser(t *testing.T, name string) principal {
	t.Helper()
	u := m.aws(t, m.k.root, "iam", "create-user", "--user-name", name)
	k := m.aws(t, m.k.root, "iam", "create-access-key", "--user-name", name)
	p := principal{
		Name: name, ARN: str(t, u, "User", "Arn"), ID: str(t, u, "User", "UserId"),
		Creds: emulatortest.Credentials{AccessKeyID: str(t, k, "AccessKey", "AccessKeyId"), SecretAccessKey: str(t, k, "AccessKey", "SecretAccessKey")},
	}
	p.CanonicalARN = p.ARN
	if p.ARN != userARNPrefix+name || !regexp.MustCompile(`^AIDA[A-Z0-9]{17}$`).MatchString(p.ID) {
		t.Fatalf("user %s: ARN %s, ID %s", name, p.ARN, p.ID)
	}
	return p
}

// createRole creates a role that principalARN may assume, as root, and returns its ARN and ID.
func (m *machine) createRole(t *testing.T, name, path, principalARN string) (arn, id string) {
	t.Helper()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principalARN + `"},"Action":"sts:AssumeRole"}]}`
	r := m.aws(t, m.k.root, "iam", "create-role", "--role-name", name, "--path", path, "--assume-role-policy-document", trust)
	return str(t, r, "Role", "Arn"), str(t, r, "Role", "RoleId")
}

// assumeRole runs "aws sts assume-role" as who; the result acts with the
// temporary credentials (AWS_SESSION_TOKEN set).
func (m *machine) assumeRole(t *testing.T, who principal, roleARN, roleID, session string) principal {
	t.Helper()
	r := m.aws(t, who, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", session)
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	p := principal{
		Name: name + "/" + session, ARN: "arn:aws:sts::" + acct + ":assumed-role/" + name + "/" + session,
		CanonicalARN: "arn:aws:iam::" + acct + ":role/" + name, ID: roleID, Session: session,
		Creds: emulatortest.Credentials{
			AccessKeyID:     str(t, r, "Credentials", "AccessKeyId"),
			SecretAccessKey: str(t, r, "Credentials", "SecretAccessKey"),
			SessionToken:    str(t, r, "Credentials", "SessionToken"),
		},
	}
	if got := str(t, r, "AssumedRoleUser", "Arn"); got != p.ARN {
		t.Fatalf("assumed-role ARN %s, want %s", got, p.ARN)
	}
	if got := str(t, r, "AssumedRoleUser", "AssumedRoleId"); got != roleID+":"+session {
		t.Fatalf("assumed-role ID %s, want %s:%s", got, roleID, session)
	}
	return p
}

// cluster is what describe-cluster says about a cluster.
type cluster struct {
	Name, Status, Mode, Endpoint, CAData, Version, Issuer string
}

func (m *machine) describeCluster(t *testing.T, who principal, name string) cluster {
	t.Helper()
	d := m.aws(t, who, "eks", "describe-cluster", "--name", name)
	c := cluster{Name: name, Status: str(t, d, "cluster", "status"), Version: str(t, d, "cluster", "version"),
		Mode: str(t, d, "cluster", "accessConfig", "authenticationMode"), Issuer: str(t, d, "cluster", "identity", "oidc", "issuer")}
	if c.Status == "ACTIVE" {
		c.Endpoint = str(t, d, "cluster", "endpoint")
		c.CAData = str(t, d, "cluster", "certificateAuthority", "data")
	}
	return c
}

// createCluster creates a cluster as who (extra arguments are added to
// create-cluster) and waits until it is ACTIVE.
func (m *machine) createCluster(t *testing.T, who principal, name string, extra ...string) cluster {
	t.Helper()
	args := append([]string{"eks", "create-cluster", "--name", name, "--role-arn", clusterRoleARN,
		"--resources-vpc-config", "subnetIds=subnet-1"}, extra...)
	if got := str(t, m.aws(t, who, args...), "cluster", "status"); got != "CREATING" {
		t.Fatalf("create-cluster: status %s", got)
	}
	return m.waitCluster(t, who, name, "")
}

// waitCluster polls describe-cluster until the cluster is ACTIVE (in mode, when given).
func (m *machine) waitCluster(t *testing.T, who principal, name, mode string) cluster {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c := m.describeCluster(t, who, name)
		if c.Status == "ACTIVE" && (mode == "" || c.Mode == mode) {
			return c
		}
		if c.Status == "FAILED" || time.Now().After(deadline) {
			t.Fatalf("cluster %s: status %s, mode %s (want ACTIVE, %q)", name, c.Status, c.Mode, mode)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// setMode moves a cluster to an authentication mode and waits for the update.
func (m *machine) setMode(t *testing.T, who principal, name, mode string) {
	t.Helper()
	u := m.aws(t, who, "eks", "update-cluster-config", "--name", name, "--access-config", "authenticationMode="+mode)
	id := str(t, u, "update", "id")
	deadline := time.Now().Add(time.Minute)
	for str(t, m.aws(t, who, "eks", "describe-update", "--name", name, "--update-id", id), "update", "status") != "Successful" {
		if time.Now().After(deadline) {
			t.Fatalf("update %s to %s does not complete", id, mode)
		}
		time.Sleep(250 * time.Millisecond)
	}
	m.waitCluster(t, who, name, mode)
}

// updateKubeconfig runs "aws eks update-kubeconfig" as who.
func (m *machine) updateKubeconfig(t *testing.T, who principal, name string) {
	t.Helper()
	m.run(t, who, m.k.aws, "eks", "update-kubeconfig", "--name", name).
		ok(t, "Added new context "+clusterARNPref+name+" to "+filepath.Join(m.home, ".kube", "config")+"\n")
	// The exec stanza the CLI wrote: kubectl will run "aws" with its own environment.
	cfg, err := os.ReadFile(filepath.Join(m.home, ".kube", "config"))
	if err != nil {
		t.Fatal(err)
	}
	stanza := "      - --region\n      - us-east-1\n      - eks\n      - get-token\n      - --cluster-name\n      - " + name + "\n      - --output\n      - json\n      command: aws\n"
	if !strings.Contains(string(cfg), stanza) {
		t.Errorf("kubeconfig has no exec stanza for %s:\n%s", name, cfg)
	}
}

// writeFile writes a file into the machine's HOME (the working directory of its commands).
func (m *machine) writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(m.home, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// whoamiTable is "kubectl auth whoami" for an IAM identity mapped to username
// and groups (authenticator.md §3.4): kubectl's tab writer pads the attribute
// column to its longest entry, "Extra: sigs.k8s.io/aws-iam-authenticator/principalId"
// (52 characters), plus 3 spaces.
func whoamiTable(p principal, username, groups string) string {
	rows := [][2]string{
		{"ATTRIBUTE", "VALUE"},
		{"Username", username},
		{"UID", "aws-iam-authenticator:" + acct + ":" + p.ID},
		{"Groups", groups},
		{"Extra: accessKeyId", "[" + p.Creds.AccessKeyID + "]"},
		{"Extra: arn", "[" + p.ARN + "]"},
		{"Extra: canonicalArn", "[" + p.CanonicalARN + "]"},
		{"Extra: principalId", "[" + p.ID + "]"},
		{"Extra: sessionName", "[" + p.Session + "]"},
		{"Extra: sigs.k8s.io/aws-iam-authenticator/principalId", "[" + p.ID + "]"},
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-55s%s\n", r[0], r[1])
	}
	return b.String()
}

// identityPath makes kubectl auth whoami print only the username and the groups.
const identityPath = `jsonpath={.status.userInfo.username} {.status.userInfo.groups}`

// forbidden is kubectl's line for a 403 on a collection (access-policies.md §6.1).
func forbidden(username, verb, resource, namespace string) string {
	where := `in the namespace "` + namespace + `"`
	if namespace == "" {
		where = "at the cluster scope"
	}
	return fmt.Sprintf("Error from server (Forbidden): %s is forbidden: User %q cannot %s resource %q in API group \"\" %s\n",
		resource, username, verb, resource, where)
}

// TestKubectlConfigMap: CONFIG_MAP clusters created by an IAM user and by an
// assumed role, access handed out through aws-auth (issue #4, the knowledge
// center's "Why can't I access my EKS cluster?" steps).
func TestKubectlConfigMap(t *testing.T) {
	t.Parallel()
	k := newKubeEnv(t)
	admin := k.machine(t)
	creator := admin.createUser(t, "creator")
	designated := admin.createUser(t, "designated_user")

	var kc cluster
	if !t.Run("KnowledgeCenterUserCreator", func(t *testing.T) {
		kc = knowledgeCenter(t, k, creator, designated)
	}) {
		return
	}
	t.Run("RoleCreator", func(t *testing.T) {
		roleCreator(t, k, designated, kc)
	})
}

// knowledgeCenter: an IAM user creates a cluster; only it gets in until it
// maps another user in aws-auth. Returns the cluster, which stays.
func knowledgeCenter(t *testing.T, k *kubeEnv, creator, designated principal) cluster {
	shared := k.machine(t) // the workstation both users use, as in the article
	c := shared.createCluster(t, creator, "knowledge-center")
	if c.Mode != "CONFIG_MAP" || c.Version != "1.37" {
		t.Fatalf("cluster: %+v", c)
	}
	shared.updateKubeconfig(t, creator, c.Name)

	// The creator is the hidden kubernetes-admin in system:masters.
	o := shared.kubectl(t, creator, "get", "pods")
	o.expect(t, 0, "", "No resources found in default namespace.\n")

	// designated_user is not mapped: every mapping failure is a 401. On this
	// workstation the creator's run left discovery in kubectl's disk cache, so
	// the first request to fail is the pod list itself and kubectl prints the
	// Status message of the 401 body, "Unauthorized".
	o = shared.kubectl(t, designated, "get", "pods")
	o.fails(t, mustLogIn)
	o.noDiscoveryErrors(t)

	// On designated_user's own workstation nothing is cached: discovery is the
	// first request, client-go logs its failure (one line per retry) and kubectl
	// prints client-go's generic text for a 401 instead (authenticator.md §7.1).
	own := k.machine(t)
	own.updateKubeconfig(t, designated, c.Name)
	o = own.kubectl(t, designated, "get", "pods")
	o.fails(t, mustLogInDisco)
	if len(o.discovery) == 0 {
		t.Errorf("want client-go's discovery errors:\n%s", o)
	}
	for _, line := range o.discovery {
		if line != discovery401 {
			t.Errorf("discovery error %q, want %q", line, discovery401)
		}
	}

	// The creator maps designated_user in aws-auth.
	shared.writeFile(t, "aws-auth.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapUsers: |
    - userarn: `+designated.ARN+`
      username: designated_user
      groups:
        - system:masters
`)
	shared.kubectl(t, creator, "apply", "-f", "aws-auth.yaml").ok(t, "configmap/aws-auth created\n")

	// It applies to the next request, on both workstations.
	shared.kubectl(t, designated, "get", "pods").expect(t, 0, "", "No resources found in default namespace.\n")
	o = own.kubectl(t, designated, "get", "pods")
	o.expect(t, 0, "", "No resources found in default namespace.\n")
	o.noDiscoveryErrors(t)

	shared.kubectl(t, creator, "auth", "whoami").ok(t, whoamiTable(creator, "kubernetes-admin", "[system:masters system:authenticated]"))
	shared.kubectl(t, designated, "auth", "whoami").ok(t, whoamiTable(designated, "designated_user", "[system:masters system:authenticated]"))
	// The mapped user is a cluster admin now.
	shared.kubectl(t, designated, "auth", "can-i", "*", "*").ok(t, "yes\n")
	return c
}

// roleCreator: a role (with a path) creates a cluster through a third user's
// assumed-role session; aws-auth maps roles by their path-less ARN.
func roleCreator(t *testing.T, k *kubeEnv, designated principal, kc cluster) {
	admin := k.machine(t)
	ops := admin.createUser(t, "ops")
	creatorRoleARN, creatorRoleID := admin.createRole(t, "eks-creator", "/team/", ops.ARN)
	deployerARN, deployerID := admin.createRole(t, "deployer", "/dev/", ops.ARN)
	if creatorRoleARN != "arn:aws:iam::111122223333:role/team/eks-creator" || deployerARN != "arn:aws:iam::111122223333:role/dev/deployer" {
		t.Fatalf("role ARNs %s, %s", creatorRoleARN, deployerARN)
	}

	m := k.machine(t) // ops's workstation
	// export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… AWS_SESSION_TOKEN=… from assume-role.
	session := m.assumeRole(t, ops, creatorRoleARN, creatorRoleID, "ops@example.com")
	m.awsMatch(t, session, vars{}, `{"UserId": "`+creatorRoleID+`:ops@example.com", "Account": "111122223333",
		"Arn": "arn:aws:sts::111122223333:assumed-role/eks-creator/ops@example.com"}`, "sts", "get-caller-identity")
	c := m.createCluster(t, session, "role-demo")
	if c.Mode != "CONFIG_MAP" {
		t.Fatalf("cluster: %+v", c)
	}
	m.updateKubeconfig(t, session, c.Name)
	m.kubectl(t, session, "get", "pods").expect(t, 0, "", "No resources found in default namespace.\n")
	// The creator is the role, whatever the session: UID and principalId carry
	// the role ID without the session name, canonicalArn the role without its path.
	creatorTable := whoamiTable(session, "kubernetes-admin", "[system:masters system:authenticated]")
	m.kubectl(t, session, "auth", "whoami").ok(t, creatorTable)
	// ops's own keys: not mapped.
	m.kubectl(t, ops, "get", "pods").fails(t, mustLogIn)

	// aws-auth: the creator role under its path-less ARN with another username
	// (the hidden creator mapping wins in CONFIG_MAP), the deployer role
	// written with its path (which never matches), ops and designated_user.
	awsAuth := func(deployerRoleARN string) string {
		return `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/eks-creator
      username: "admin:{{SessionName}}"
      groups:
        - system:masters
    - rolearn: ` + deployerRoleARN + `
      username: "deployer:{{SessionName}}"
      groups:
        - system:masters
  mapUsers: |
    - userarn: ` + ops.ARN + `
      username: ops
      groups:
        - system:masters
    - userarn: ` + designated.ARN + `
      username: designated_user
      groups:
        - system:masters
`
	}
	m.writeFile(t, "aws-auth.yaml", awsAuth(deployerARN))
	m.kubectl(t, session, "apply", "-f", "aws-auth.yaml").ok(t, "configmap/aws-auth created\n")
	m.kubectl(t, session, "auth", "whoami").ok(t, creatorTable)
	// Any session of the creator role is the creator.
	other := m.assumeRole(t, ops, creatorRoleARN, creatorRoleID, "ci")
	m.kubectl(t, other, "auth", "whoami").ok(t, whoamiTable(other, "kubernetes-admin", "[system:masters system:authenticated]"))

	// unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN: ops is
	// itself again, and mapped now.
	m.kubectl(t, ops, "get", "pods").expect(t, 0, "", "No resources found in default namespace.\n")
	m.kubectl(t, ops, "auth", "whoami").ok(t, whoamiTable(ops, "ops", "[system:masters system:authenticated]"))

	// The deployer role's sessions: its rolearn has a path, so nothing matches.
	deployer := m.assumeRole(t, ops, deployerARN, deployerID, "ops@example.com")
	m.kubectl(t, deployer, "get", "pods").fails(t, mustLogIn)
	m.writeFile(t, "aws-auth.yaml", awsAuth("arn:aws:iam::111122223333:role/deployer"))
	m.kubectl(t, ops, "apply", "-f", "aws-auth.yaml").ok(t, "configmap/aws-auth configured\n")
	m.kubectl(t, deployer, "get", "pods").expect(t, 0, "", "No resources found in default namespace.\n")
	// {{SessionName}} turns '@' into '-'.
	m.kubectl(t, deployer, "auth", "whoami").ok(t, whoamiTable(deployer, "deployer:ops-example.com", "[system:masters system:authenticated]"))

	// A token is bound to its cluster: the cluster name is signed into it
	// (x-k8s-aws-id), so a token for knowledge-center fails at role-demo even
	// though designated_user is mapped in both.
	tokenFor := func(name string) string {
		return str(t, m.aws(t, designated, "eks", "get-token", "--cluster-name", name), "status", "token")
	}
	withToken := func(c cluster, token string, args ...string) output {
		t.Helper()
		ca, err := base64.StdEncoding.DecodeString(c.CAData)
		if err != nil {
			t.Fatal(err)
		}
		m.writeFile(t, c.Name+"-ca.crt", string(ca))
		m.writeFile(t, "empty.kubeconfig", "")
		return m.kubectl(t, designated, append([]string{"--kubeconfig", "empty.kubeconfig", "--server", c.Endpoint,
			"--certificate-authority", c.Name + "-ca.crt", "--token", token}, args...)...)
	}
	tokenA := tokenFor(kc.Name)
	withToken(kc, tokenA, "auth", "whoami", "-o", identityPath).ok(t, `designated_user ["system:masters","system:authenticated"]`)
	withToken(c, tokenA, "auth", "whoami", "-o", identityPath).fails(t, mustLogIn)
	withToken(c, tokenA, "get", "--raw", "/api/v1/namespaces/default/pods").fails(t, mustLogIn)
	withToken(c, tokenFor(c.Name), "auth", "whoami", "-o", identityPath).ok(t, `designated_user ["system:masters","system:authenticated"]`)

	// The server is Kubernetes 1.37.2 with an EKS-style git version.
	o := m.kubectl(t, session, "version")
	lines := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")
	if o.code != 0 || o.stderr != "" || len(lines) != 3 ||
		!regexp.MustCompile(`^Client Version: v1\.[0-9]+\.[0-9]+`).MatchString(lines[0]) ||
		!strings.HasPrefix(lines[1], "Kustomize Version: v") ||
		!regexp.MustCompile(`^Server Version: v1\.37\.2-eks-[0-9a-f]{7}$`).MatchString(lines[2]) {
		t.Errorf("kubectl version:\n%s", o)
	}
}

// TestKubectlAccessEntries: the blog post's walk from CONFIG_MAP to access
// entries, RBAC next to access policies, node entries, and what each
// authentication mode means for aws-auth (issue #5). One cluster.
func TestKubectlAccessEntries(t *testing.T) {
	t.Parallel()
	k := newKubeEnv(t)
	m := k.machine(t) // one workstation, every user on it
	creator := m.createUser(t, "creator")
	c := m.createCluster(t, creator, "blog")
	m.updateKubeconfig(t, creator, c.Name)
	m.kubectl(t, creator, "create", "namespace", "app").ok(t, "namespace/app created\n")
	// Before the switch the creator is the hidden kubernetes-admin.
	m.kubectl(t, creator, "auth", "whoami", "-o", identityPath).ok(t, `kubernetes-admin ["system:masters","system:authenticated"]`)

	s := &blog{k: k, m: m, c: c, creator: creator}
	for _, step := range []struct {
		name string
		f    func(*testing.T)
	}{
		{"Blog", s.walkthrough},
		{"Escalation", s.escalation},
		{"Impersonation", s.impersonation},
		{"KubernetesGroups", s.kubernetesGroups},
		{"NodeEntry", s.nodeEntry},
		{"Modes", s.modes},
	} {
		if !t.Run(step.name, step.f) {
			return
		}
	}
}

// blog is the state the access-entry scenarios share.
type blog struct {
	k       *kubeEnv
	m       *machine
	c       cluster
	creator principal
	dev     principal
}

// walkthrough is the blog post, exactly: a developer with View in namespace
// app, then Admin in app.
func (s *blog) walkthrough(t *testing.T) {
	m := s.m
	s.dev = m.createUser(t, "kubernetes-developer")
	m.setMode(t, s.creator, s.c.Name, "API_AND_CONFIG_MAP")
	// The creator now authenticates through its bootstrap access entry (username
	// = its ARN, no groups) and holds AmazonEKSClusterAdminPolicy.
	m.kubectl(t, s.creator, "auth", "whoami", "-o", identityPath).ok(t, s.creator.ARN+` ["system:authenticated"]`)

	v := vars{}
	m.awsMatch(t, s.creator, v, `{"accessEntry": {
		"clusterName": "blog", "principalArn": "`+s.dev.ARN+`", "kubernetesGroups": [],
		"accessEntryArn": "<re:^arn:aws:eks:us-east-1:111122223333:access-entry/blog/user/111122223333/kubernetes-developer/`+entryUUID+`$>",
		"createdAt": "<ts>", "modifiedAt": "<ts>", "tags": {}, "username": "`+s.dev.ARN+`", "type": "STANDARD"}}`,
		"eks", "create-access-entry", "--cluster-name", "blog", "--principal-arn", s.dev.ARN)
	m.aws(t, s.creator, "eks", "associate-access-policy", "--cluster-name", "blog", "--principal-arn", s.dev.ARN,
		"--policy-arn", viewPolicy, "--access-scope", "type=namespace,namespaces=app")

	m.kubectl(t, s.dev, "get", "pod").fails(t, forbidden(s.dev.ARN, "list", "pods", "default"))
	m.kubectl(t, s.dev, "get", "pod", "-n", "app").expect(t, 0, "", "No resources found in app namespace.\n")
	m.kubectl(t, s.dev, "run", "redis", "--image=redis", "-n", "app").fails(t, forbidden(s.dev.ARN, "create", "pods", "app"))

	m.aws(t, s.creator, "eks", "associate-access-policy", "--cluster-name", "blog", "--principal-arn", s.dev.ARN,
		"--policy-arn", eksAdminPolicy, "--access-scope", "type=namespace,namespaces=app")
	// Decisions are not cached: the association counts at the next request.
	m.kubectl(t, s.dev, "run", "redis", "--image=redis", "-n", "app").ok(t, "pod/redis created\n")
	m.kubectl(t, s.dev, "get", "pods", "-n", "app", "-o", "name").ok(t, "pod/redis\n")
	// Access policies do not show up as groups.
	m.kubectl(t, s.dev, "auth", "whoami").ok(t, whoamiTable(s.dev, s.dev.ARN, "[system:authenticated]"))
}

// escalation: RBAC's escalation check sees only RBAC, so a namespace admin by
// access policy cannot bind even "view", although the authorizer says yes.
func (s *blog) escalation(t *testing.T) {
	m := s.m
	m.kubectl(t, s.dev, "create", "rolebinding", "x", "--clusterrole=view", "--group=g", "-n", "app").
		fails(t, `error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "x" is forbidden: user "`+s.dev.ARN+
			`" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:`+"\n"+viewRules)
	m.kubectl(t, s.dev, "auth", "can-i", "create", "rolebindings", "-n", "app").ok(t, "yes\n")
	// The rules review is answered by RBAC alone; the webhook cannot list rules.
	m.kubectl(t, s.dev, "auth", "can-i", "--list", "-n", "app").
		expect(t, 0, basicUserRules, "Warning: the list may be incomplete: webhook authorizer does not support user rule resolution\n")
}

// impersonation: an access policy may allow impersonating a service account,
// which then has only its own RBAC (no principal ID, so no policies).
func (s *blog) impersonation(t *testing.T) {
	m := s.m
	const sa = "system:serviceaccount:app:default"
	m.kubectl(t, s.dev, "get", "pods", "-n", "app", "--as="+sa).fails(t, forbidden(sa, "list", "pods", "app"))
	m.kubectl(t, s.dev, "auth", "whoami", "--as="+sa).ok(t,
		"ATTRIBUTE   VALUE\nUsername    "+sa+"\nGroups      [system:serviceaccounts system:serviceaccounts:app system:authenticated]\n")
	m.kubectl(t, s.creator, "create", "rolebinding", "sa-view", "--clusterrole=view", "--serviceaccount=app:default", "-n", "app").
		ok(t, "rolebinding.rbac.authorization.k8s.io/sa-view created\n")
	m.kubectl(t, s.dev, "get", "pods", "-n", "app", "-o", "name", "--as="+sa).ok(t, "pod/redis\n")
	m.kubectl(t, s.dev, "run", "other", "--image=redis", "-n", "app", "--as="+sa).fails(t, forbidden(sa, "create", "pods", "app"))
	// Admin is scoped to app: impersonating elsewhere is refused at impersonation.
	m.kubectl(t, s.dev, "get", "pods", "--as=system:serviceaccount:default:default").
		fails(t, `Error from server (Forbidden): serviceaccounts "default" is forbidden: User "`+s.dev.ARN+
			`" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"`+"\n")
}

// kubernetesGroups: an entry's groups go through the cluster's real RBAC.
func (s *blog) kubernetesGroups(t *testing.T) {
	m := s.m
	team := m.createUser(t, "team-dev")
	v := vars{}
	m.awsMatch(t, s.creator, v, `{"accessEntry": {
		"clusterName": "blog", "principalArn": "`+team.ARN+`", "kubernetesGroups": ["dev"],
		"accessEntryArn": "<re:^arn:aws:eks:us-east-1:111122223333:access-entry/blog/user/111122223333/team-dev/`+entryUUID+`$>",
		"createdAt": "<ts>", "modifiedAt": "<ts>", "tags": {}, "username": "`+team.ARN+`", "type": "STANDARD"}}`,
		"eks", "create-access-entry", "--cluster-name", "blog", "--principal-arn", team.ARN, "--kubernetes-groups", "dev")
	for _, ns := range []string{"team-a", "team-b"} {
		m.kubectl(t, s.creator, "create", "namespace", ns).ok(t, "namespace/"+ns+" created\n")
	}
	// No binding yet: the group grants nothing (EKS does not check bindings).
	m.kubectl(t, team, "run", "p", "--image=x", "-n", "team-a").fails(t, forbidden(team.ARN, "create", "pods", "team-a"))
	m.kubectl(t, s.creator, "create", "rolebinding", "dev-edit", "--clusterrole=edit", "--group=dev", "-n", "team-a").
		ok(t, "rolebinding.rbac.authorization.k8s.io/dev-edit created\n")
	m.kubectl(t, team, "run", "p", "--image=x", "-n", "team-a").ok(t, "pod/p created\n")
	m.kubectl(t, team, "run", "p", "--image=x", "-n", "team-b").fails(t, forbidden(team.ARN, "create", "pods", "team-b"))
	m.kubectl(t, team, "auth", "whoami", "-o", identityPath).ok(t, team.ARN+` ["dev","system:authenticated"]`)
}

// nodeEntry: an EC2_LINUX entry maps a role's instance sessions to node users.
func (s *blog) nodeEntry(t *testing.T) {
	m := s.m
	nodeRole, nodeRoleID := m.createRole(t, "eks-node-role", "/", s.creator.ARN)
	v := vars{}
	m.awsMatch(t, s.creator, v, `{"accessEntry": {
		"clusterName": "blog", "principalArn": "`+nodeRole+`", "kubernetesGroups": ["system:nodes"],
		"accessEntryArn": "<re:^arn:aws:eks:us-east-1:111122223333:access-entry/blog/role/111122223333/eks-node-role/`+entryUUID+`$>",
		"createdAt": "<ts>", "modifiedAt": "<ts>", "tags": {}, "username": "system:node:{{EC2PrivateDNSName}}", "type": "EC2_LINUX"}}`,
		"eks", "create-access-entry", "--cluster-name", "blog", "--principal-arn", nodeRole, "--type", "EC2_LINUX")

	node := m.assumeRole(t, s.creator, nodeRole, nodeRoleID, "i-0123456789abcdef0")
	o := m.kubectl(t, node, "auth", "whoami")
	// {{EC2PrivateDNSName}}: eksemu has no EC2 and derives a stable private DNS
	// name from the instance ID.
	username := regexp.MustCompile(`(?m)^Username +(system:node:ip-10-[0-9]+-[0-9]+-[0-9]+\.ec2\.internal)$`).FindStringSubmatch(o.stdout)
	if username == nil {
		t.Fatalf("want a node username:\n%s", o)
	}
	o.ok(t, whoamiTable(node, username[1], "[system:bootstrappers system:nodes system:authenticated]"))
	// The same instance gets the same name.
	m.kubectl(t, node, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").ok(t, username[1])
	// Nodes are authorized by the Node authorizer first.
	m.kubectl(t, node, "get", "pods", "-A").fails(t, strings.TrimSuffix(forbidden(username[1], "list", "pods", ""), "\n")+
		": node: can only list/watch pods with spec.nodeName field selector\n")
	// A session that is not an instance ID cannot render the template: 401.
	notNode := m.assumeRole(t, s.creator, nodeRole, nodeRoleID, "laptop")
	m.kubectl(t, notNode, "get", "pods").fails(t, mustLogIn)
}

// modes: an access entry overrides aws-auth for the same principal in
// API_AND_CONFIG_MAP; API ignores aws-auth; an association's removal counts at
// the next request.
func (s *blog) modes(t *testing.T) {
	m := s.m
	mapped := m.createUser(t, "mapped")
	legacy := m.createUser(t, "legacy")
	m.writeFile(t, "aws-auth.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapUsers: |
    - userarn: `+mapped.ARN+`
      username: mapped
      groups:
        - system:masters
    - userarn: `+legacy.ARN+`
      username: legacy
      groups:
        - system:masters
`)
	m.kubectl(t, s.creator, "apply", "-f", "aws-auth.yaml").ok(t, "configmap/aws-auth created\n")
	m.kubectl(t, mapped, "auth", "whoami").ok(t, whoamiTable(mapped, "mapped", "[system:masters system:authenticated]"))
	// kubectl warns, and still sends namespace "default" (authenticator.md §7.4).
	const notNamespaced = "Warning: resource 'namespaces' is not namespace scoped\n\n"
	m.kubectl(t, mapped, "auth", "can-i", "delete", "namespaces/app").expect(t, 0, "yes\n", notNamespaced)

	// An entry for the same principal takes over at once.
	m.aws(t, s.creator, "eks", "create-access-entry", "--cluster-name", "blog", "--principal-arn", mapped.ARN, "--kubernetes-groups", "viewers")
	m.aws(t, s.creator, "eks", "associate-access-policy", "--cluster-name", "blog", "--principal-arn", mapped.ARN,
		"--policy-arn", viewPolicy, "--access-scope", "type=cluster")
	m.kubectl(t, mapped, "delete", "ns", "app").fails(t, `Error from server (Forbidden): namespaces "app" is forbidden: User "`+mapped.ARN+
		`" cannot delete resource "namespaces" in API group "" in the namespace "app"`+"\n")
	m.kubectl(t, mapped, "auth", "whoami").ok(t, whoamiTable(mapped, mapped.ARN, "[viewers system:authenticated]"))
	m.kubectl(t, mapped, "auth", "can-i", "delete", "namespaces/app").expect(t, 1, "no\n", notNamespaced)
	m.kubectl(t, mapped, "get", "ns", "app", "-o", "name").ok(t, "namespace/app\n")
	m.kubectl(t, legacy, "auth", "whoami", "-o", identityPath).ok(t, `legacy ["system:masters","system:authenticated"]`)

	// API: aws-auth is ignored.
	m.setMode(t, s.creator, s.c.Name, "API")
	m.kubectl(t, legacy, "get", "pods").fails(t, mustLogIn)
	m.kubectl(t, mapped, "get", "ns", "app", "-o", "name").ok(t, "namespace/app\n")

	// The creator's bootstrap entry loses AmazonEKSClusterAdminPolicy.
	m.kubectl(t, s.creator, "get", "pods", "-n", "app", "-o", "name").ok(t, "pod/redis\n")
	m.aws(t, s.creator, "eks", "disassociate-access-policy", "--cluster-name", "blog", "--principal-arn", s.creator.ARN, "--policy-arn", adminPolicy)
	m.kubectl(t, s.creator, "get", "pods", "-n", "app", "-o", "name").fails(t, forbidden(s.creator.ARN, "list", "pods", "app"))
	m.kubectl(t, s.creator, "get", "pods").fails(t, forbidden(s.creator.ARN, "list", "pods", "default"))
}

// TestKubectlRestart: clusters survive an emulator restart on the same data
// directory (same endpoint, same CA, same objects), and DeleteCluster stops
// the API server and removes its files (issue #4).
func TestKubectlRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	onDir := emulatortest.WithConfig(func(c *config.Config) { c.DataDir = dir })
	k := newKubeEnv(t, onDir)
	m := k.machine(t)
	creator := m.createUser(t, "creator")
	designated := m.createUser(t, "designated_user")
	c := m.createCluster(t, creator, "durable")
	m.updateKubeconfig(t, creator, c.Name)
	m.kubectl(t, creator, "create", "namespace", "keep").ok(t, "namespace/keep created\n")
	m.kubectl(t, creator, "create", "configmap", "settings", "--from-literal=color=blue", "-n", "keep").ok(t, "configmap/settings created\n")
	m.writeFile(t, "aws-auth.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapUsers: |
    - userarn: `+designated.ARN+`
      username: designated_user
      groups:
        - system:masters
`)
	m.kubectl(t, creator, "apply", "-f", "aws-auth.yaml").ok(t, "configmap/aws-auth created\n")
	m.kubectl(t, designated, "get", "ns", "keep", "-o", "name").ok(t, "namespace/keep\n")
	kubeconfig, err := os.ReadFile(filepath.Join(m.home, ".kube", "config"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	clusterDir := filepath.Join(dir, "clusters", c.Issuer[strings.LastIndex(c.Issuer, "/")+1:])
	if _, err := os.Stat(filepath.Join(clusterDir, "ca.crt")); err != nil {
		t.Fatalf("cluster directory: %v", err)
	}

	// Stop the emulator: its API servers stop with it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := k.e.Server.Close(ctx); err != nil {
		t.Fatalf("closing the emulator: %v", err)
	}
	waitPortClosed(t, u.Host)
	m.kubectl(t, creator, "get", "configmap", "settings", "-n", "keep").
		fails(t, "The connection to the server "+u.Host+" was refused - did you specify the right host or port?\n")

	// A new emulator on the same data directory (on another AWS port).
	k.start(t, onDir)
	again := m.waitCluster(t, creator, c.Name, "CONFIG_MAP")
	// ACTIVE means the endpoint answers, after a restart too.
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err != nil {
		t.Errorf("describe-cluster says ACTIVE but the endpoint does not answer: %v", err)
	} else {
		_ = conn.Close()
	}
	if again.Endpoint != c.Endpoint || again.CAData != c.CAData {
		t.Errorf("after the restart: endpoint %s (was %s), CA changed: %v", again.Endpoint, c.Endpoint, again.CAData != c.CAData)
	}
	// The old kubeconfig, untouched, works; the objects, aws-auth and the
	// hidden creator mapping are still there.
	m.kubectl(t, creator, "get", "configmap", "settings", "-n", "keep", "-o", "jsonpath={.data.color}").ok(t, "blue")
	m.kubectl(t, creator, "auth", "whoami", "-o", identityPath).ok(t, `kubernetes-admin ["system:masters","system:authenticated"]`)
	m.kubectl(t, designated, "get", "ns", "keep", "-o", "name").ok(t, "namespace/keep\n")
	if now, err := os.ReadFile(filepath.Join(m.home, ".kube", "config")); err != nil || !bytes.Equal(now, kubeconfig) {
		t.Errorf("the kubeconfig changed (%v)", err)
	}

	// DeleteCluster stops the API server and removes its directory.
	if got := str(t, m.aws(t, creator, "eks", "delete-cluster", "--name", c.Name), "cluster", "status"); got != "DELETING" {
		t.Errorf("delete-cluster: status %s", got)
	}
	waitPortClosed(t, u.Host)
	m.kubectl(t, creator, "get", "configmap", "settings", "-n", "keep").
		fails(t, "The connection to the server "+u.Host+" was refused - did you specify the right host or port?\n")
	m.run(t, creator, k.aws, "eks", "describe-cluster", "--name", c.Name, "--output", "json").
		expect(t, 255, "", "\nAn error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: durable.\n")
	waitGone(t, filepath.Join(clusterDir, "state.db")) // the Kubernetes objects (kine's database)
	waitGone(t, clusterDir)                            // and everything else: CA, keys, logs
}

// waitGone waits until path no longer exists.
func waitGone(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s is still there after DeleteCluster (%v)", path, err)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitPortClosed waits until nothing accepts connections on hostport.
func waitPortClosed(t *testing.T, hostport string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", hostport, time.Second)
		if err != nil {
			return
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections", hostport)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// basicUserRules is "kubectl auth can-i --list" for a user RBAC knows nothing
// about: system:basic-user, system:discovery and system:public-info-viewer
// (the duplicate paths are upstream's; kubectl prints them as they come).
const basicUserRules = `Resources                                       Non-Resource URLs   Resource Names   Verbs
selfsubjectreviews.authentication.k8s.io        []                  []               [create]
selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]
selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]
                                                [/api/*]            []               [get]
                                                [/api]              []               [get]
                                                [/apis/*]           []               [get]
                                                [/apis]             []               [get]
                                                [/healthz]          []               [get]
                                                [/healthz]          []               [get]
                                                [/livez]            []               [get]
                                                [/livez]            []               [get]
                                                [/openapi/*]        []               [get]
                                                [/openapi]          []               [get]
                                                [/readyz]           []               [get]
                                                [/readyz]           []               [get]
                                                [/version/]         []               [get]
                                                [/version/]         []               [get]
                                                [/version]          []               [get]
                                                [/version]          []               [get]
`

// viewRules are the rules of the aggregated "view" ClusterRole of Kubernetes
// 1.37 as the escalation check lists them.
const viewRules = `{APIGroups:[""], Resources:["bindings"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["endpoints"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["events"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["limitranges"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["namespaces"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["namespaces/status"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["persistentvolumeclaims"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["persistentvolumeclaims/status"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["pods/log"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["pods/status"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["replicationcontrollers"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["replicationcontrollers/scale"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["replicationcontrollers/status"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["resourcequotas"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["resourcequotas/status"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["serviceaccounts"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["services"], Verbs:["get" "list" "watch"]}
{APIGroups:[""], Resources:["services/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["controllerrevisions"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["daemonsets"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["daemonsets/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["deployments/scale"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["deployments/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["replicasets"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["replicasets/scale"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["replicasets/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["statefulsets"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["statefulsets/scale"], Verbs:["get" "list" "watch"]}
{APIGroups:["apps"], Resources:["statefulsets/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["autoscaling"], Resources:["horizontalpodautoscalers"], Verbs:["get" "list" "watch"]}
{APIGroups:["autoscaling"], Resources:["horizontalpodautoscalers/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["batch"], Resources:["cronjobs"], Verbs:["get" "list" "watch"]}
{APIGroups:["batch"], Resources:["cronjobs/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["batch"], Resources:["jobs"], Verbs:["get" "list" "watch"]}
{APIGroups:["batch"], Resources:["jobs/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["discovery.k8s.io"], Resources:["endpointslices"], Verbs:["get" "list" "watch"]}
{APIGroups:["events.k8s.io"], Resources:["events"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["daemonsets"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["daemonsets/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["deployments"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["deployments/scale"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["deployments/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["ingresses"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["ingresses/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["networkpolicies"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["replicasets"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["replicasets/scale"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["replicasets/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["extensions"], Resources:["replicationcontrollers/scale"], Verbs:["get" "list" "watch"]}
{APIGroups:["networking.k8s.io"], Resources:["ingresses"], Verbs:["get" "list" "watch"]}
{APIGroups:["networking.k8s.io"], Resources:["ingresses/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["networking.k8s.io"], Resources:["networkpolicies"], Verbs:["get" "list" "watch"]}
{APIGroups:["policy"], Resources:["poddisruptionbudgets"], Verbs:["get" "list" "watch"]}
{APIGroups:["policy"], Resources:["poddisruptionbudgets/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["resource.k8s.io"], Resources:["resourceclaims"], Verbs:["get" "list" "watch"]}
{APIGroups:["resource.k8s.io"], Resources:["resourceclaims/status"], Verbs:["get" "list" "watch"]}
{APIGroups:["resource.k8s.io"], Resources:["resourceclaimtemplates"], Verbs:["get" "list" "watch"]}
`
