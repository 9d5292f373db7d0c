package kubeserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/k3s-io/kine/pkg/drivers"
	"github.com/k3s-io/kine/pkg/drivers/generic"
	kinesqlite "github.com/k3s-io/kine/pkg/drivers/sqlite"
	kineserver "github.com/k3s-io/kine/pkg/server"
	"github.com/spf13/pflag"
	"google.golang.org/grpc"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/rest"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"
)

// Options describe one cluster's API server.
type Options struct {
	// Dir is the cluster directory prepared by the parent (see package kube for its files).
	Dir string
	// BindAddress and Port are where the API server listens.
	BindAddress string
	Port        int
	// EmulatedVersion is the Kubernetes minor to emulate ("" = the binary's).
	EmulatedVersion string
	// GitVersion is what /version reports (v1.X.Y-eks-…).
	GitVersion string
	// Issuer is the service-account issuer (the cluster's OIDC issuer URL).
	Issuer string
	// ServiceCIDR is the service cluster IP range.
	ServiceCIDR string
}

// Run serves the cluster until ctx ends.
func Run(ctx context.Context, o Options) error {
	kineCtx, stopKine := context.WithCancel(context.Background())
	var kineWG sync.WaitGroup
	defer func() {
		stopKine()
		kineWG.Wait()
	}()
	etcd, err := startKine(kineCtx, &kineWG, filepath.Join(o.Dir, "state.db"))
	if err != nil {
		return fmt.Errorf("kine: %w", err)
	}
	return runAPIServer(ctx, o, etcd)
}

// startKine serves the etcd v3 API over gRPC on a loopback port, backed by
// SQLite. kine must outlive the API server (embedding pitfall 1), so it has its
// own context, cancelled only after the API server has returned.
func startKine(ctx context.Context, wg *sync.WaitGroup, dbPath string) (string, error) {
	dsn := dbPath + "?" + kinesqlite.DefaultParams
	// kine's own defaults (pkg/app): compaction left to the apiserver.
	_, backend, err := kinesqlite.New(ctx, wg, &drivers.Config{
		DataSourceName: dsn, PollInterval: time.Second, CompactTimeout: 5 * time.Second,
		CompactMinRetain: 1000, CompactBatchSize: 1000, PollBatchSize: 500,
		ConnectionPoolConfig: generic.ConnectionPoolConfig{MaxIdle: 2, MaxIdleTime: 2 * time.Minute},
	})
	if err != nil {
		return "", err
	}
	if err := backend.Start(ctx); err != nil {
		return "", err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(8<<20), grpc.MaxSendMsgSize(64<<20))
	kineserver.New(backend, "http", 5*time.Second, "3.6.11").Register(srv)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.Serve(ln)
	}()
	go func() {
		<-ctx.Done()
		srv.Stop()
	}()
	return "http://" + ln.Addr().String(), nil
}

func (o Options) flags(etcd string) []string {
	f := func(name string) string { return filepath.Join(o.Dir, name) }
	args := []string{
		"--etcd-servers=" + etcd,
		"--bind-address=" + o.BindAddress,
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(o.Port),
		"--tls-cert-file=" + f("apiserver.crt"),
		"--tls-private-key-file=" + f("apiserver.key"),
		"--client-ca-file=" + f("ca.crt"),
		"--service-account-issuer=" + o.Issuer,
		"--service-account-key-file=" + f("sa.pub"),
		"--service-account-signing-key-file=" + f("sa.key"),
		"--api-audiences=https://kubernetes.default.svc",
		"--service-cluster-ip-range=" + o.ServiceCIDR,
		"--endpoint-reconciler-type=none",
		"--authentication-token-webhook-config-file=" + f("authn-webhook.kubeconfig"),
		"--authentication-token-webhook-version=v1",
		"--authentication-token-webhook-cache-ttl=0s",
		"--authorization-config=" + f("authz-config.yaml"),
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--allow-privileged=true",
		"--enable-bootstrap-token-auth=false",
		"--enable-garbage-collector=true",
	}
	if o.EmulatedVersion != "" {
		args = append(args, "--emulated-version="+o.EmulatedVersion)
	}
	return args
}

func runAPIServer(ctx context.Context, o Options, etcd string) error {
	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, set := range s.Flags().FlagSets {
		fs.AddFlagSet(set)
	}
	if err := fs.Parse(o.flags(etcd)); err != nil {
		return err
	}
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	// Access changes must apply to the next request (embedding pitfall 2).
	s.Authentication.TokenSuccessCacheTTL = 0
	s.Authentication.TokenFailureCacheTTL = 0

	completed, err := s.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return errors.Join(errs...)
	}
	cfg, err := app.NewConfig(completed)
	if err != nil {
		return err
	}
	// /version reports the emulated EKS version (v1.X.Y-eks-…), behind the same
	// authentication and authorization as every other path.
	agg := cfg.Aggregator.GenericConfig
	build := agg.BuildHandlerChainFunc
	agg.BuildHandlerChainFunc = func(h http.Handler, c *genericapiserver.Config) http.Handler {
		return build(versionHandler(h, o.GitVersion, c.EffectiveVersion), c)
	}
	done, err := cfg.Complete()
	if err != nil {
		return err
	}
	server, err := app.CreateServerChain(done)
	if err != nil {
		return err
	}
	if err := server.GenericAPIServer.AddPostStartHook("eksemu-controllers", func(hook genericapiserver.PostStartHookContext) error {
		return startControllers(hook, hook.LoopbackClientConfig, filepath.Join(o.Dir, "ca.crt"))
	}); err != nil {
		return err
	}
	prepared, err := server.PrepareRun()
	if err != nil {
		return err
	}
	return prepared.Run(ctx)
}
