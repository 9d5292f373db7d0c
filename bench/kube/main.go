package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator"
	"github.com/eksemu/eksemu/emulator/emulatortest"
	"github.com/eksemu/eksemu/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/kube:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "bin/eksemu", "eksemu binary (cluster processes)")
	clusters := flag.Int("clusters", 3, "clusters to create")
	requests := flag.Int("requests", 300, "requests per latency series")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "eksemu-bench-kube-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("machine load: %s", load)

	cfg := config.Default()
	cfg.Listen, cfg.DataDir, cfg.UpdateDelay = "127.0.0.1:0", dir, 0
	cfg.KubeCommand = []string{abs, "cluster-apiserver"}
	cfg.ClusterPortMin, cfg.ClusterPortMax = 0, 0
	ctx := context.Background()
	srv, err := emulator.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close(context.Background())
	e := &emulatortest.Emulator{URL: srv.URL(), Config: cfg, Server: srv, Region: "us-east-1"}
	root := e.Root()

	// CreateCluster → ACTIVE, one cluster at a time.
	var names []string
	var ready []time.Duration
	for i := range *clusters {
		name := fmt.Sprintf("bench-%d", i)
		// Cluster 0 uses access entries; the others are CONFIG_MAP, where the
		// creator is system:masters and only the TokenReview webhook is called.
		mode := ekstypes.AuthenticationModeConfigMap
		if i == 0 {
			mode = ekstypes.AuthenticationModeApiAndConfigMap
		}
		start := time.Now()
		if _, err := e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
			ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
			AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: mode}}); err != nil {
			return err
		}
		for {
			out, err := e.EKS().DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
			if err != nil {
				return err
			}
			if out.Cluster.Status == ekstypes.ClusterStatusActive {
				break
			}
			if out.Cluster.Status == ekstypes.ClusterStatusFailed {
				return fmt.Errorf("%s FAILED", name)
			}
			time.Sleep(10 * time.Millisecond)
		}
		ready = append(ready, time.Since(start))
		names = append(names, name)
	}
	fmt.Printf("CreateCluster → ACTIVE (%d clusters, one at a time): %v\n", len(ready), ready)

	// RSS of each cluster process and of the emulator itself.
	var rss []int
	for _, pid := range clusterPIDs(dir) {
		rss = append(rss, rssKB(pid))
	}
	fmt.Printf("RSS per cluster process (MB): %v; emulator process: %d MB\n", mb(rss), rssKB(os.Getpid())/1024)

	// An access-entry user with AmazonEKSViewPolicy on cluster 0.
	if _, err := e.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("viewer")}); err != nil {
		return err
	}
	key, err := e.IAM().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("viewer")})
	if err != nil {
		return err
	}
	viewer := emulatortest.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}
	arn := "arn:aws:iam::111122223333:user/viewer"
	if _, err := e.EKS().CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(names[0]), PrincipalArn: aws.String(arn)}); err != nil {
		return err
	}
	if _, err := e.EKS().AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String(names[0]), PrincipalArn: aws.String(arn),
		PolicyArn: aws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}}); err != nil {
		return err
	}
	c, err := srv.DB().GetCluster(ctx, store.ClusterKey{Account: cfg.AccountID, Region: "us-east-1", Name: names[0]})
	if err != nil {
		return err
	}
	admin := srv.Kube().AdminRESTConfig(c)
	series := []struct {
		name string
		cfg  *rest.Config
	}{
		{"static credential (admin client certificate, no webhook)", admin},
		{"EKS token, CONFIG_MAP creator (TokenReview webhook only)", tokenConfig(ctx, e, adminOf(ctx, srv, cfg, names[len(names)-1]), root, names[len(names)-1])},
		{"EKS token, access-entry user with View (TokenReview + SubjectAccessReview webhooks)", tokenConfig(ctx, e, admin, viewer, names[0])},
	}
	fmt.Printf("client-go GET /api/v1/namespaces/default/pods, %d requests each (p50 / p95):\n", *requests)
	for _, s := range series {
		s.cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter() // measure the server, not client-go's QPS limit
		cs, err := kubernetes.NewForConfig(s.cfg)
		if err != nil {
			return err
		}
		var lat []time.Duration
		for range *requests {
			t := time.Now()
			if _, err := cs.CoreV1().Pods("default").List(ctx, metaListOptions()); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			lat = append(lat, time.Since(t))
		}
		fmt.Printf("  %-85s %8v / %8v\n", s.name, pct(lat, 50), pct(lat, 95))
	}
	return kubectlSeries(ctx, e, admin, root, names[0], dir)
}

func adminOf(ctx context.Context, srv *emulator.Server, cfg config.Config, name string) *rest.Config {
	c, err := srv.DB().GetCluster(ctx, store.ClusterKey{Account: cfg.AccountID, Region: "us-east-1", Name: name})
	if err != nil {
		panic(err)
	}
	return srv.Kube().AdminRESTConfig(c)
}

// tokenConfig is admin's endpoint and CA with a bearer token instead of the certificate.
func tokenConfig(ctx context.Context, e *emulatortest.Emulator, admin *rest.Config, creds emulatortest.Credentials, cluster string) *rest.Config {
	tok, err := e.Token(ctx, creds, cluster)
	if err != nil {
		panic(err)
	}
	return &rest.Config{Host: admin.Host, BearerToken: tok, TLSClientConfig: rest.TLSClientConfig{CAFile: admin.CAFile}}
}

// kubectlSeries times whole kubectl invocations with a kubeconfig holding a
// static token-free client certificate versus an EKS token (no exec plugin,
// so the AWS CLI's start-up is not counted).
func kubectlSeries(ctx context.Context, e *emulatortest.Emulator, admin *rest.Config, creds emulatortest.Credentials, cluster, dir string) error {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		fmt.Println("kubectl not found: kubectl series skipped")
		return nil
	}
	tok, err := e.Token(ctx, creds, cluster)
	if err != nil {
		return err
	}
	base := []string{"--server", admin.Host, "--certificate-authority", admin.CAFile}
	runs := map[string][]string{
		"static credential (client certificate)": append(base, "--client-certificate", admin.CertFile, "--client-key", admin.KeyFile),
		"EKS token (webhook)":                    append(base, "--token", tok),
	}
	fmt.Println("kubectl get pods, 20 invocations each (p50 / p95):")
	keys := []string{"static credential (client certificate)", "EKS token (webhook)"}
	for _, k := range keys {
		var lat []time.Duration
		for range 20 {
			cmd := exec.Command(kubectl, append(runs[k], "--cache-dir", filepath.Join(dir, "kcache"), "get", "pods")...)
			cmd.Env = append(os.Environ(), "KUBECONFIG=/dev/null", "HOME="+dir)
			t := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("kubectl (%s): %v: %s", k, err, out)
			}
			lat = append(lat, time.Since(t))
		}
		fmt.Printf("  %-40s %8v / %8v\n", k, pct(lat, 50), pct(lat, 95))
	}
	return nil
}

func clusterPIDs(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		s := strings.ReplaceAll(string(cmd), "\x00", " ")
		if strings.Contains(s, "cluster-apiserver") && strings.Contains(s, dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func rssKB(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func mb(kb []int) []int {
	out := make([]int, len(kb))
	for i, v := range kb {
		out[i] = v / 1024
	}
	return out
}

func pct(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}

func metaListOptions() metav1.ListOptions { return metav1.ListOptions{} }
