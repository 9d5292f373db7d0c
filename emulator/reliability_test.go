//go:build unix

package emulator_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	_ "github.com/mattn/go-sqlite3"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator/emulatortest"
	"github.com/eksemu/eksemu/store"
)

// ---------------------------------------------------------------------------
// The eksemu binary as a subprocess.

// buildEksemu builds ./cmd/eksemu into a temporary directory.
func buildEksemu(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "eksemu")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/eksemu")
	cmd.Dir = root
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/eksemu: %v\n%s", err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// hasFlag reports whether the binary has the flag --name.
func hasFlag(t *testing.T, bin, name string) bool {
	t.Helper()
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	return strings.Contains(string(out), "-"+name+" ") || strings.Contains(string(out), "-"+name+"\n")
}

// process is one run of the eksemu binary.
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	done   chan struct{}
	err    error // of Wait, valid after done is closed
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startEksemu runs the binary on dataDir and waits until it answers.
func startEksemu(t *testing.T, bin, dataDir, addr string, extra ...string) *process {
	t.Helper()
	args := append([]string{"--listen", addr, "--data-dir", dataDir, "--log-level", "warn"}, extra...)
	if hasFlag(t, bin, "kubernetes") {
		// These tests are about the AWS side and its store; clusters need no API servers.
		args = append(args, "--kubernetes=false")
	}
	p := &process{t: t, cmd: exec.Command(bin, args...), url: "http://" + addr, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd.Stdout = p.stderr
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start eksemu: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("log of eksemu on %s:\n%s", addr, p.stderr)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	health := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := health.Get(p.url + "/_eksemu/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("eksemu exited during start-up (%v):\n%s", p.err, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("eksemu did not become healthy:\n%s", p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends sig and waits for the process to end.
func (p *process) stop(sig syscall.Signal) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(30 * time.Second):
		p.t.Fatalf("eksemu did not exit after %v:\n%s", sig, p.stderr)
		return nil
	}
}

// clients returns an emulatortest.Emulator that only carries what its client
// constructors need: the URL and the default root credentials.
func clientsFor(url string) *emulatortest.Emulator {
	return &emulatortest.Emulator{URL: url, Config: config.Default(), Region: "us-east-1"}
}

// httpStatus returns the HTTP status of an SDK error (0 when there was no response).
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// ---------------------------------------------------------------------------
// SIGKILL in the middle of a stream of writes.

// acked records the writes the emulator acknowledged with HTTP 200.
type acked struct {
	mu       sync.Mutex
	users    map[string]bool
	keys     map[string]emulatortest.Credentials
	entries  map[string]string            // principal ARN → access-entry ARN
	tags     map[string]map[string]string // access-entry ARN → tags set by TagResource
	clusters map[string]bool
}

func newAcked() *acked {
	return &acked{users: map[string]bool{}, keys: map[string]emulatortest.Credentials{}, entries: map[string]string{},
		tags: map[string]map[string]string{}, clusters: map[string]bool{}}
}

// creationTags are the tags an entry or cluster is created with: its own
// name, a count and that many numbered keys, so a partial set is visible.
func creationTags(name string) map[string]string {
	tags := map[string]string{"owner": name, "count": "4"}
	for i := range 4 {
		tags[fmt.Sprintf("c%d", i)] = name
	}
	return tags
}

func completeCreationTags(name string, tags map[string]string) error {
	for k, v := range creationTags(name) {
		if tags[k] != v {
			return fmt.Errorf("creation tag %s=%q missing (have %v)", k, v, tags)
		}
	}
	return nil
}

const crashCluster = "crash"

// writeStream runs one worker's writes until stop is closed. Failures before
// the kill are test errors; after it they are expected.
func writeStream(ctx context.Context, t *testing.T, e *emulatortest.Emulator, round, worker int, a *acked, killed *atomic.Bool, stop <-chan struct{}) {
	ekc, iamc := e.EKS(), e.IAM()
	fail := func(op string, err error) bool {
		if err == nil {
			return false
		}
		if !killed.Load() {
			t.Errorf("worker %d: %s before the kill: %v", worker, op, err)
		}
		return true
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		name := fmt.Sprintf("r%d-w%d-u%d", round, worker, i)
		u, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String("/crash/")})
		if fail("CreateUser", err) {
			return
		}
		a.mu.Lock()
		a.users[name] = true
		a.mu.Unlock()
		principal := aws.ToString(u.User.Arn)

		if i%4 == 0 {
			k, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
			if fail("CreateAccessKey", err) {
				return
			}
			a.mu.Lock()
			a.keys[name] = emulatortest.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
			a.mu.Unlock()
		}

		ce, err := ekc.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(crashCluster), PrincipalArn: aws.String(principal),
			KubernetesGroups: []string{"g"}, Tags: creationTags(name)})
		if fail("CreateAccessEntry", err) {
			return
		}
		entryARN := aws.ToString(ce.AccessEntry.AccessEntryArn)
		a.mu.Lock()
		a.entries[principal] = entryARN
		a.mu.Unlock()

		for j := range 2 {
			key, val := fmt.Sprintf("extra%d", j), strconv.Itoa(i)
			_, err := ekc.TagResource(ctx, &eks.TagResourceInput{ResourceArn: aws.String(entryARN), Tags: map[string]string{key: val}})
			if fail("TagResource", err) {
				return
			}
			a.mu.Lock()
			if a.tags[entryARN] == nil {
				a.tags[entryARN] = map[string]string{}
			}
			a.tags[entryARN][key] = val
			a.mu.Unlock()
		}

		if i%5 == 2 {
			cname := fmt.Sprintf("r%d-w%d-c%d", round, worker, i)
			_, err := ekc.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(cname), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
				ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}, Tags: creationTags(cname),
				AccessConfig: &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
			if fail("CreateCluster", err) {
				return
			}
			a.mu.Lock()
			a.clusters[cname] = true
			a.mu.Unlock()
		}
	}
}

// checkCrashState verifies, against a restarted emulator, that every
// acknowledged write is present and that nothing exists half-made.
func checkCrashState(ctx context.Context, t *testing.T, e *emulatortest.Emulator, a *acked) {
	t.Helper()
	ekc, iamc := e.EKS(), e.IAM()

	// Users: every acknowledged one exists.
	users := map[string]bool{}
	pu := iam.NewListUsersPaginator(iamc, &iam.ListUsersInput{PathPrefix: aws.String("/crash/")})
	for pu.HasMorePages() {
		page, err := pu.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		for _, u := range page.Users {
			users[aws.ToString(u.UserName)] = true
		}
	}
	for n := range a.users {
		if !users[n] {
			t.Errorf("acknowledged user %s is missing", n)
		}
	}
	// Keys: every acknowledged key still signs requests as its user.
	for n, k := range a.keys {
		id, err := e.STS(k).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Errorf("acknowledged key of %s: %v", n, err)
			continue
		}
		if want := "arn:aws:iam::111122223333:user/crash/" + n; aws.ToString(id.Arn) != want {
			t.Errorf("key of %s authenticates as %s", n, aws.ToString(id.Arn))
		}
	}

	// Entries: every acknowledged one exists with all its tags; every existing
	// one is whole (its creation tags complete, its principal exists).
	var arns []string
	pe := eks.NewListAccessEntriesPaginator(ekc, &eks.ListAccessEntriesInput{ClusterName: aws.String(crashCluster)})
	for pe.HasMorePages() {
		page, err := pe.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAccessEntries: %v", err)
		}
		arns = append(arns, page.AccessEntries...)
	}
	present := map[string]bool{}
	for _, p := range arns {
		present[p] = true
		if strings.HasSuffix(p, ":root") {
			continue // the bootstrap entry
		}
		d, err := ekc.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(crashCluster), PrincipalArn: aws.String(p)})
		if err != nil {
			t.Errorf("DescribeAccessEntry %s: %v", p, err)
			continue
		}
		name := p[strings.LastIndex(p, "/")+1:]
		if err := completeCreationTags(name, d.AccessEntry.Tags); err != nil {
			t.Errorf("entry %s is partial: %v", p, err)
		}
		if len(d.AccessEntry.KubernetesGroups) != 1 {
			t.Errorf("entry %s has groups %v", p, d.AccessEntry.KubernetesGroups)
		}
		if !users[name] {
			t.Errorf("entry %s exists but its user does not", p)
		}
		if want, ok := a.entries[p]; ok {
			if aws.ToString(d.AccessEntry.AccessEntryArn) != want {
				t.Errorf("entry %s has ARN %s, acknowledged %s", p, aws.ToString(d.AccessEntry.AccessEntryArn), want)
			}
			for k, v := range a.tags[want] {
				if d.AccessEntry.Tags[k] != v {
					t.Errorf("entry %s: acknowledged tag %s=%s, found %q", p, k, v, d.AccessEntry.Tags[k])
				}
			}
		}
	}
	for p := range a.entries {
		if !present[p] {
			t.Errorf("acknowledged access entry of %s is missing", p)
		}
	}

	// Clusters: every acknowledged one exists; every existing one has all its
	// tags and the creator's bootstrap entry with its admin policy.
	var names []string
	pc := eks.NewListClustersPaginator(ekc, &eks.ListClustersInput{})
	for pc.HasMorePages() {
		page, err := pc.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListClusters: %v", err)
		}
		names = append(names, page.Clusters...)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
		if n == crashCluster {
			continue
		}
		c, err := ekc.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(n)})
		if err != nil {
			t.Errorf("DescribeCluster %s: %v", n, err)
			continue
		}
		if err := completeCreationTags(n, c.Cluster.Tags); err != nil {
			t.Errorf("cluster %s is partial: %v", n, err)
		}
		if c.Cluster.Status != ekstypes.ClusterStatusActive {
			t.Errorf("cluster %s is %s after the restart, want ACTIVE", n, c.Cluster.Status)
		}
		l, err := ekc.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String(n)})
		if err != nil || len(l.AccessEntries) != 1 || l.AccessEntries[0] != "arn:aws:iam::111122223333:root" {
			t.Errorf("cluster %s: entries %v (%v), want the bootstrap entry", n, l, err)
			continue
		}
		ap, err := ekc.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(n), PrincipalArn: aws.String(l.AccessEntries[0])})
		if err != nil || len(ap.AssociatedAccessPolicies) != 1 {
			t.Errorf("cluster %s: bootstrap entry's policies %v (%v)", n, ap, err)
		}
	}
	for n := range a.clusters {
		if !have[n] {
			t.Errorf("acknowledged cluster %s is missing", n)
		}
	}
}

// TestCrashRecovery drives writes from several goroutines, SIGKILLs the
// emulator in the middle, restarts it on the same data directory and checks
// that every acknowledged write survived and no partial one exists. Three
// rounds, each on the state the previous crashes left.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eksemu binary")
	}
	bin := buildEksemu(t)
	dataDir := t.TempDir()
	// A bound on every request, so that a hung emulator fails the test instead of stalling it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	a := newAcked()

	addr := freeAddr(t)
	p := startEksemu(t, bin, dataDir, addr, "--update-delay", "0s")
	e := clientsFor(p.url)
	_, err := e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(crashCluster), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
		AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	if err != nil {
		t.Fatalf("CreateCluster: %v", err)
	}

	const workers = 6
	for round := range 3 {
		var killed atomic.Bool
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				writeStream(ctx, t, e, round, w, a, &killed, stop)
			}()
		}
		time.Sleep(time.Duration(700+300*round) * time.Millisecond)
		killed.Store(true)
		if err := p.stop(syscall.SIGKILL); err == nil {
			t.Fatalf("eksemu exited cleanly after SIGKILL")
		}
		close(stop)
		wg.Wait()
		if t.Failed() {
			t.Fatalf("writes failed before the kill; emulator log:\n%s", p.stderr)
		}

		p = startEksemu(t, bin, dataDir, addr, "--update-delay", "0s")
		e = clientsFor(p.url)
		checkCrashState(ctx, t, e, a)
		if t.Failed() {
			t.Fatalf("round %d: state after the crash is wrong; emulator log:\n%s", round, p.stderr)
		}
		t.Logf("round %d: %d users, %d keys, %d entries, %d clusters acknowledged so far", round, len(a.users), len(a.keys), len(a.entries), len(a.clusters))
	}
	if len(a.entries) < 10 {
		t.Fatalf("only %d access entries were acknowledged; the test did not exercise the emulator", len(a.entries))
	}
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, p.stderr)
	}
	checkIntegrity(t, filepath.Join(dataDir, "eksemu.db"))
}

// checkIntegrity runs SQLite's own consistency checks on the database file.
func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, pragma := range []string{"integrity_check", "foreign_key_check"} {
		rows, err := db.Query("PRAGMA " + pragma)
		if err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		var out []string
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(vals...))
		}
		rows.Close()
		if pragma == "integrity_check" && (len(out) != 1 || out[0] != "ok") || pragma == "foreign_key_check" && len(out) != 0 {
			t.Fatalf("PRAGMA %s: %v", pragma, out)
		}
	}
}

// ---------------------------------------------------------------------------
// Graceful restart.

// snapshot renders everything the APIs say about the state, for comparison
// across a restart. Request IDs and other per-response metadata are left out.
func snapshot(ctx context.Context, t *testing.T, e *emulatortest.Emulator) string {
	t.Helper()
	var b strings.Builder
	put := func(label string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %s\n", label, j)
	}
	ekc, iamc := e.EKS(), e.IAM()
	us, err := iamc.ListUsers(ctx, &iam.ListUsersInput{})
	put("users", func() any {
		if us == nil {
			return nil
		}
		return us.Users
	}(), err)
	for _, u := range us.Users {
		ks, err := iamc.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: u.UserName})
		put("keys of "+aws.ToString(u.UserName), ks.AccessKeyMetadata, err)
	}
	rs, err := iamc.ListRoles(ctx, &iam.ListRolesInput{})
	put("roles", rs.Roles, err)
	for _, r := range rs.Roles {
		g, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: r.RoleName})
		put("role "+aws.ToString(r.RoleName), g.Role, err)
	}
	cs, err := ekc.ListClusters(ctx, &eks.ListClustersInput{})
	put("clusters", cs.Clusters, err)
	for _, n := range cs.Clusters {
		c, err := ekc.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(n)})
		put("cluster "+n, c.Cluster, err)
		ups, err := ekc.ListUpdates(ctx, &eks.ListUpdatesInput{Name: aws.String(n)})
		put("updates of "+n, ups.UpdateIds, err)
		for _, id := range ups.UpdateIds {
			u, err := ekc.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String(n), UpdateId: aws.String(id)})
			put("update "+id, u.Update, err)
		}
		if c.Cluster.AccessConfig.AuthenticationMode == ekstypes.AuthenticationModeConfigMap {
			continue
		}
		es, err := ekc.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String(n)})
		put("entries of "+n, es.AccessEntries, err)
		for _, p := range es.AccessEntries {
			d, err := ekc.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(n), PrincipalArn: aws.String(p)})
			put("entry "+p, d.AccessEntry, err)
			ap, err := ekc.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(n), PrincipalArn: aws.String(p)})
			put("policies of "+p, ap.AssociatedAccessPolicies, err)
			tg, err := ekc.ListTagsForResource(ctx, &eks.ListTagsForResourceInput{ResourceArn: d.AccessEntry.AccessEntryArn})
			put("tags of "+p, tg.Tags, err)
		}
		tg, err := ekc.ListTagsForResource(ctx, &eks.ListTagsForResourceInput{ResourceArn: c.Cluster.Arn})
		put("tags of "+n, tg.Tags, err)
	}
	return b.String()
}

// TestGracefulRestart writes state through the APIs, stops the emulator with
// SIGTERM, restarts it on the same data directory and finds the state intact:
// users, keys (still usable for signing), roles, STS sessions, clusters,
// entries, associations, tags and update history, including an update still
// in progress.
func TestGracefulRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the eksemu binary")
	}
	bin := buildEksemu(t)
	dataDir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Updates stay InProgress for an hour, so one can be seen surviving the restart.
	p := startEksemu(t, bin, dataDir, addr, "--update-delay", "1h")
	e := clientsFor(p.url)
	ekc, iamc := e.EKS(), e.IAM()

	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	check("CreateUser", err)
	_, err = iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/eng/")})
	check("CreateUser", err)
	k, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	check("CreateAccessKey", err)
	alice := emulatortest.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
	_, err = iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("dev"), Path: aws.String("/team/"), Description: aws.String("developers"), MaxSessionDuration: aws.Int32(7200),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}]}`)})
	check("CreateRole", err)
	ar, err := e.STS(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/team/dev"), RoleSessionName: aws.String("before"), ExternalId: aws.String("x1")})
	check("AssumeRole", err)
	session := emulatortest.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar.Credentials.SessionToken)}

	// A cluster created by the role session, in API mode, with entries, associations and tags.
	_, err = e.EKS(session).CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("apps"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"), Version: aws.String("1.34"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1", "subnet-2"}, EndpointPrivateAccess: aws.Bool(true)},
		Tags:               map[string]string{"env": "test"},
		AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	check("CreateCluster", err)
	ce, err := ekc.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("apps"), PrincipalArn: aws.String("arn:aws:iam::111122223333:user/alice"),
		KubernetesGroups: []string{"devs"}, Username: aws.String("alice:{{SessionName}}"), Tags: map[string]string{"who": "alice"}})
	check("CreateAccessEntry", err)
	_, err = ekc.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("apps"), PrincipalArn: aws.String("arn:aws:iam::111122223333:user/eng/bob")})
	check("CreateAccessEntry", err)
	_, err = ekc.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String("apps"), PrincipalArn: aws.String("arn:aws:iam::111122223333:user/alice"),
		PolicyArn:   aws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"),
		AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"dev-*", "team"}}})
	check("AssociateAccessPolicy", err)
	_, err = ekc.TagResource(ctx, &eks.TagResourceInput{ResourceArn: ce.AccessEntry.AccessEntryArn, Tags: map[string]string{"more": "1"}})
	check("TagResource", err)
	// A CONFIG_MAP cluster whose switch to API_AND_CONFIG_MAP is in progress.
	_, err = ekc.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("legacy"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}})
	check("CreateCluster", err)
	up, err := ekc.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("legacy"),
		AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}})
	check("UpdateClusterConfig", err)
	if up.Update.Status != ekstypes.UpdateStatusInProgress {
		t.Fatalf("update status %s, want InProgress", up.Update.Status)
	}

	before := snapshot(ctx, t, e)
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("eksemu did not exit cleanly on SIGTERM: %v\n%s", err, p.stderr)
	}
	p = startEksemu(t, bin, dataDir, addr, "--update-delay", "1h")
	e = clientsFor(p.url)
	after := snapshot(ctx, t, e)
	if before != after {
		t.Fatalf("state changed across the restart:\n%s", lineDiff(before, after))
	}
	for _, want := range []string{`"Status":"InProgress"`, `"AuthenticationMode":"CONFIG_MAP"`, `"who":"alice"`, `"more":"1"`, `"dev-*"`, `user/eng/bob`} {
		if !strings.Contains(after, want) {
			t.Fatalf("snapshot lacks %s:\n%s", want, after)
		}
	}

	// Credentials issued before the restart still sign requests.
	id, err := e.STS(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check("GetCallerIdentity (alice)", err)
	if aws.ToString(id.Arn) != "arn:aws:iam::111122223333:user/alice" {
		t.Fatalf("alice's key authenticates as %s", aws.ToString(id.Arn))
	}
	id, err = e.STS(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	check("GetCallerIdentity (session)", err)
	if aws.ToString(id.Arn) != "arn:aws:sts::111122223333:assumed-role/dev/before" {
		t.Fatalf("the session authenticates as %s", aws.ToString(id.Arn))
	}
	// The trust policy still applies, with its condition.
	_, err = e.STS(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/team/dev"), RoleSessionName: aws.String("after")})
	if httpStatus(err) != http.StatusForbidden {
		t.Fatalf("AssumeRole without the external ID after restart: %v, want 403", err)
	}
	_, err = e.STS(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/team/dev"), RoleSessionName: aws.String("after"), ExternalId: aws.String("x1")})
	check("AssumeRole after restart", err)
	// The in-progress update still blocks another one.
	_, err = e.EKS().UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("legacy"),
		AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}})
	var inUse *ekstypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("second update after restart: %v, want ResourceInUseException", err)
	}
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("eksemu did not exit cleanly on SIGTERM: %v\n%s", err, p.stderr)
	}
	checkIntegrity(t, filepath.Join(dataDir, "eksemu.db"))
}

func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	in := func(ls []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range ls {
			m[l] = true
		}
		return m
	}
	am, bm := in(al), in(bl)
	var out []string
	for _, l := range al {
		if !bm[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range bl {
		if !am[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// ---------------------------------------------------------------------------
// Fifty concurrent clients.

// TestConcurrentClients runs fifty clients mixing reads and writes for a few
// seconds against one in-process emulator. No request may fail with a 5xx (or
// at all: every operation here is valid), and no write may be lost.
func TestConcurrentClients(t *testing.T) {
	if testing.Short() {
		t.Skip("runs fifty clients for seconds")
	}
	e := emulatortest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const clients = 50
	const duration = 3 * time.Second
	clusterARN := func() string {
		c, err := e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("load"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
			ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
			AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
		if err != nil {
			t.Fatalf("CreateCluster: %v", err)
		}
		return aws.ToString(c.Cluster.Arn)
	}()

	type result struct {
		entryTags map[string]string // tags this client set on its entry
		lastGroup string            // the last acknowledged kubernetesGroups value
		clusterV  string            // the last value of this client's cluster tag
		users     int               // users it created
		ops       int
		failures  []string
	}
	results := make([]result, clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	deadline := time.Now().Add(duration + 2*time.Second) // after the setup below
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[c]
			r.entryTags = map[string]string{}
			ekc, iamc := e.EKS(), e.IAM()
			failed := func(op string, err error) bool {
				if err == nil {
					r.ops++
					return false
				}
				r.failures = append(r.failures, fmt.Sprintf("%s: HTTP %d: %v", op, httpStatus(err), err))
				return true
			}
			name := fmt.Sprintf("client%02d", c)
			u, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String("/load/")})
			if failed("CreateUser", err) {
				return
			}
			key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
			if failed("CreateAccessKey", err) {
				return
			}
			own := emulatortest.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}
			principal := aws.ToString(u.User.Arn)
			ce, err := ekc.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("load"), PrincipalArn: aws.String(principal)})
			if failed("CreateAccessEntry", err) {
				return
			}
			entryARN := ce.AccessEntry.AccessEntryArn
			<-start
			for i := 0; time.Now().Before(deadline); i++ {
				switch i % 9 {
				case 0:
					k, v := fmt.Sprintf("k%d", i), strconv.Itoa(i)
					if _, err := ekc.TagResource(ctx, &eks.TagResourceInput{ResourceArn: entryARN, Tags: map[string]string{k: v}}); !failed("TagResource(entry)", err) {
						r.entryTags[k] = v
					}
				case 1:
					v := strconv.Itoa(i)
					if _, err := ekc.TagResource(ctx, &eks.TagResourceInput{ResourceArn: aws.String(clusterARN), Tags: map[string]string{name: v}}); !failed("TagResource(cluster)", err) {
						r.clusterV = v
					}
				case 2:
					_, err := ekc.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("load"), PrincipalArn: aws.String(principal)})
					failed("DescribeAccessEntry", err)
				case 3:
					_, err := ekc.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("load")})
					failed("ListAccessEntries", err)
				case 4:
					_, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("%s-n%d", name, i)), Path: aws.String("/load/extra/")})
					if !failed("CreateUser", err) {
						r.users++
					}
				case 5:
					g := fmt.Sprintf("g%d", i)
					if _, err := ekc.UpdateAccessEntry(ctx, &eks.UpdateAccessEntryInput{ClusterName: aws.String("load"), PrincipalArn: aws.String(principal), KubernetesGroups: []string{g}}); !failed("UpdateAccessEntry", err) {
						r.lastGroup = g
					}
				case 6:
					id, err := e.STS(own).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					if !failed("GetCallerIdentity", err) && aws.ToString(id.Arn) != principal {
						r.failures = append(r.failures, "GetCallerIdentity returned "+aws.ToString(id.Arn))
					}
				case 7:
					_, err := ekc.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("load")})
					failed("DescribeCluster", err)
				case 8:
					_, err := ekc.ListTagsForResource(ctx, &eks.ListTagsForResourceInput{ResourceArn: entryARN})
					failed("ListTagsForResource", err)
				}
				if len(r.failures) > 5 {
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()

	total := 0
	for c, r := range results {
		total += r.ops
		for _, f := range r.failures {
			t.Errorf("client %d: %s", c, f)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	// No lost update.
	ekc := e.EKS()
	clusterTags, err := ekc.ListTagsForResource(ctx, &eks.ListTagsForResourceInput{ResourceArn: aws.String(clusterARN)})
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := clients
	for c, r := range results {
		name := fmt.Sprintf("client%02d", c)
		principal := "arn:aws:iam::111122223333:user/load/" + name
		d, err := ekc.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("load"), PrincipalArn: aws.String(principal)})
		if err != nil {
			t.Fatalf("DescribeAccessEntry: %v", err)
		}
		for k, v := range r.entryTags {
			if d.AccessEntry.Tags[k] != v {
				t.Errorf("client %d: tag %s=%s lost (have %q)", c, k, v, d.AccessEntry.Tags[k])
			}
		}
		if len(d.AccessEntry.Tags) != len(r.entryTags) {
			t.Errorf("client %d: entry has %d tags, %d acknowledged", c, len(d.AccessEntry.Tags), len(r.entryTags))
		}
		if r.lastGroup != "" && (len(d.AccessEntry.KubernetesGroups) != 1 || d.AccessEntry.KubernetesGroups[0] != r.lastGroup) {
			t.Errorf("client %d: groups %v, last acknowledged %s", c, d.AccessEntry.KubernetesGroups, r.lastGroup)
		}
		if r.clusterV != "" && clusterTags.Tags[name] != r.clusterV {
			t.Errorf("client %d: cluster tag %s=%q, last acknowledged %s", c, name, clusterTags.Tags[name], r.clusterV)
		}
		wantUsers += r.users
	}
	n := 0
	pu := iam.NewListUsersPaginator(e.IAM(), &iam.ListUsersInput{PathPrefix: aws.String("/load/")})
	for pu.HasMorePages() {
		page, err := pu.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Users)
	}
	if n != wantUsers {
		t.Errorf("%d users exist, %d were acknowledged", n, wantUsers)
	}
	t.Logf("%d clients, %d successful operations in %s", clients, total, duration)
}

// ---------------------------------------------------------------------------
// Concurrent UpdateClusterConfig.

// TestConcurrentUpdateClusterConfig sends two UpdateClusterConfig calls for the
// same cluster at once, many times: exactly one wins; the other gets 409
// ResourceInUseException (an update is in progress) or 400
// InvalidParameterException (the mode already changed).
func TestConcurrentUpdateClusterConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("many rounds of concurrent requests")
	}
	for _, delay := range []time.Duration{0, time.Hour} {
		t.Run("delay="+delay.String(), func(t *testing.T) {
			e := emulatortest.New(t, emulatortest.WithConfig(func(c *config.Config) { c.UpdateDelay = delay }))
			ctx := context.Background()
			codes := map[string]int{}
			for round := range 40 {
				name := fmt.Sprintf("race%02d", round)
				_, err := e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
					ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}})
				if err != nil {
					t.Fatal(err)
				}
				errs := make([]error, 2)
				ids := make([]string, 2)
				var wg sync.WaitGroup
				gate := make(chan struct{})
				for i := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c := e.EKS()
						<-gate
						out, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String(name),
							AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}})
						errs[i] = err
						if err == nil {
							ids[i] = aws.ToString(out.Update.Id)
						}
					}()
				}
				close(gate)
				wg.Wait()
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("round %d: errors %v and %v, want exactly one winner", round, errs[0], errs[1])
				}
				loser, winner := errs[0], ids[1]
				if loser == nil {
					loser, winner = errs[1], ids[0]
				}
				var inUse *ekstypes.ResourceInUseException
				var invalid *ekstypes.InvalidParameterException
				switch {
				case errors.As(loser, &inUse) && httpStatus(loser) == http.StatusConflict:
					codes["409"]++
					if want := fmt.Sprintf("Cannot AccessConfigUpdate because cluster %s currently has update %s in progress", name, winner); inUse.ErrorMessage() != want {
						t.Fatalf("round %d: message %q, want %q", round, inUse.ErrorMessage(), want)
					}
				case errors.As(loser, &invalid) && httpStatus(loser) == http.StatusBadRequest:
					codes["400"]++
					if want := "Unsupported authentication mode update from API_AND_CONFIG_MAP to API_AND_CONFIG_MAP"; invalid.ErrorMessage() != want {
						t.Fatalf("round %d: message %q, want %q", round, invalid.ErrorMessage(), want)
					}
				default:
					t.Fatalf("round %d: loser got %v (HTTP %d)", round, loser, httpStatus(loser))
				}
				ups, err := e.EKS().ListUpdates(ctx, &eks.ListUpdatesInput{Name: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				if len(ups.UpdateIds) != 1 || ups.UpdateIds[0] != winner {
					t.Fatalf("round %d: updates %v, want only the winner's %s", round, ups.UpdateIds, winner)
				}
			}
			t.Logf("losers: %v", codes)
		})
	}
}

// TestConcurrentVPCUpdates sends two partial resourcesVpcConfig updates for
// different members at once (no update delay, so both are accepted): both
// changes must be in the cluster afterwards.
func TestConcurrentVPCUpdates(t *testing.T) {
	if testing.Short() {
		t.Skip("many rounds of concurrent requests")
	}
	e := emulatortest.New(t)
	ctx := context.Background()
	for round := range 40 {
		name := fmt.Sprintf("vpc%02d", round)
		_, err := e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
			ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}})
		if err != nil {
			t.Fatal(err)
		}
		changes := []*ekstypes.VpcConfigRequest{
			{EndpointPrivateAccess: aws.Bool(true)},
			{PublicAccessCidrs: []string{"10.0.0.0/8"}},
		}
		var wg sync.WaitGroup
		gate := make(chan struct{})
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := e.EKS()
				<-gate
				_, errs[i] = c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String(name), ResourcesVpcConfig: changes[i]})
			}()
		}
		close(gate)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		d, err := e.EKS().DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		v := d.Cluster.ResourcesVpcConfig
		if !v.EndpointPrivateAccess || len(v.PublicAccessCidrs) != 1 || v.PublicAccessCidrs[0] != "10.0.0.0/8" || len(v.SubnetIds) != 1 {
			t.Fatalf("round %d: a concurrent update was lost: %+v", round, v)
		}
	}
}

// TestCreatingClusterResumes covers a crash between CreateCluster's two steps
// (the cluster is recorded CREATING, then activated): without Kubernetes the
// restarted emulator must finish the job instead of leaving it CREATING forever.
func TestCreatingClusterResumes(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := config.Default()
	db, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "eksemu.db"), Now: time.Now, IDs: awsid.NewGenerator(awsid.CryptoSource())})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureAccount(ctx, cfg.AccountID, cfg.RootAccessKeyID, cfg.RootSecretAccessKey); err != nil {
		t.Fatal(err)
	}
	root, err := db.LookupAccessKey(ctx, cfg.RootAccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	// The first step only, as a crash right after it leaves the database.
	if _, err := db.CreateCluster(ctx, store.CreateClusterInput{Region: "us-east-1", Name: "half", RoleARN: "arn:aws:iam::111122223333:role/eks", Creator: root.Caller}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	e := emulatortest.New(t, emulatortest.WithConfig(func(c *config.Config) { c.DataDir = dir }))
	d, err := e.EKS().DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("half")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Cluster.Status != ekstypes.ClusterStatusActive {
		t.Fatalf("cluster status after restart = %s, want ACTIVE", d.Cluster.Status)
	}
}
