package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/eksemu/eksemu/authn"
	"github.com/eksemu/eksemu/authz"
	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator/eksapi"
	"github.com/eksemu/eksemu/emulator/iamapi"
	"github.com/eksemu/eksemu/emulator/kube"
	"github.com/eksemu/eksemu/emulator/stsapi"
	"github.com/eksemu/eksemu/fixtures"
	"github.com/eksemu/eksemu/sigv4"
	"github.com/eksemu/eksemu/store"
)

// Server is a running (or ready to run) emulator.
type Server struct {
	cfg    config.Config
	logger *slog.Logger
	db     *store.DB
	eks    http.Handler
	sts    http.Handler
	iam    http.Handler

	kube      *kube.Supervisor // nil without Kubernetes
	hooks     *webhooks        // the clusters' webhooks; Start sets their authenticator
	auth      *authn.AWS
	lifecycle eksapi.Lifecycle
	tempDir   string // cluster files of an in-memory emulator

	// gate lets AWS requests run concurrently and a reset run alone.
	gate  sync.RWMutex
	ready atomic.Bool

	mu   sync.Mutex
	http *http.Server
	ln   net.Listener
}

// New opens the store and builds the surfaces; it does not listen yet.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil || cfg.Random == nil {
		return nil, errors.New("emulator: Config.Now and Config.Random are required (use config.Default)")
	}
	ids := awsid.NewGenerator(cfg.Random)
	path := ""
	if !cfg.InMemory {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		path = filepath.Join(cfg.DataDir, "eksemu.db")
	}
	db, err := store.Open(ctx, store.Options{Path: path, Now: cfg.Now, IDs: ids})
	if err != nil {
		return nil, err
	}
	if err := db.EnsureAccount(ctx, cfg.AccountID, cfg.RootAccessKeyID, cfg.RootSecretAccessKey); err != nil {
		_ = db.Close()
		return nil, err
	}
	auth := authn.NewAWS(db, cfg.Now)
	s := &Server{cfg: cfg, logger: logger, db: db}
	var lifecycle eksapi.Lifecycle = instantClusters{db: db, logger: logger}
	if cfg.Kubernetes {
		if err := s.newKube(auth); err != nil {
			_ = db.Close()
			return nil, err
		}
		lifecycle = s.kube
	} else if err := (instantClusters{db: db, logger: logger}).resume(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.lifecycle = lifecycle
	if cfg.Fixtures != "" {
		f, err := fixtures.Load(cfg.Fixtures)
		if err == nil {
			err = Validate(ctx, f, cfg)
		}
		if err != nil {
			_ = s.closeStore()
			return nil, err
		}
	}
	eks, err := eksapi.New(eksapi.Deps{DB: db, Auth: auth, IDs: ids, Logger: logger, UpdateDelay: cfg.UpdateDelay, Lifecycle: lifecycle})
	if err != nil {
		_ = s.closeStore()
		return nil, err
	}
	s.eks = eks
	s.sts = stsapi.New(stsapi.Deps{DB: db, Auth: auth, IDs: ids, Logger: logger})
	s.iam = iamapi.New(iamapi.Deps{DB: db, Auth: auth, IDs: ids, Logger: logger})
	return s, nil
}

// newKube builds the cluster supervisor and the webhooks it serves.
func (s *Server) newKube(auth *authn.AWS) error {
	if len(s.cfg.KubeCommand) == 0 {
		return errors.New("emulator: Kubernetes needs Config.KubeCommand (the eksemu binary and \"cluster-apiserver\")")
	}
	dir := filepath.Join(s.cfg.DataDir, "clusters")
	if s.cfg.InMemory {
		tmp, err := os.MkdirTemp("", "eksemu-clusters-")
		if err != nil {
			return err
		}
		s.tempDir, dir = tmp, tmp
	}
	az, err := authz.New(s.db, s.logger)
	if err != nil {
		return err
	}
	hooks := &webhooks{authz: az}
	sup, err := kube.New(kube.Config{
		DB: s.db, Logger: s.logger, ClustersDir: dir, Command: s.cfg.KubeCommand,
		BindAddress: s.cfg.ClusterBindAddress, PortMin: s.cfg.ClusterPortMin, PortMax: s.cfg.ClusterPortMax,
		Webhooks: hooks, Now: s.cfg.Now,
	})
	if err != nil {
		return err
	}
	s.kube, s.hooks, s.auth = sup, hooks, auth
	return nil
}

// ownHosts are the host[:port] forms under which clients reach eksemu's STS
// (AWS_ENDPOINT_URL_STS), accepted in tokens besides the real STS hosts.
func ownHosts(listen string) []string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil
	}
	hosts := []string{listen, net.JoinHostPort("localhost", port), net.JoinHostPort("127.0.0.1", port)}
	if host != "" && host != "0.0.0.0" {
		hosts = append(hosts, net.JoinHostPort(host, port))
	}
	return hosts
}

// webhooks joins authentication and authorization for the clusters' API servers.
type webhooks struct {
	authn *authn.Kube
	authz *authz.Authorizer
}

func (w *webhooks) ReviewToken(ctx context.Context, c store.Cluster, token string) (authenticationv1.UserInfo, bool) {
	return w.authn.ReviewToken(ctx, c, token)
}

func (w *webhooks) ReviewAccess(ctx context.Context, c store.Cluster, spec authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus {
	return w.authz.ReviewAccess(ctx, c, spec)
}

// Kube returns the cluster supervisor (nil when Kubernetes is off).
func (s *Server) Kube() *kube.Supervisor { return s.kube }

// DB returns the emulator's store (tests and fixtures).
func (s *Server) DB() *store.DB { return s.db }

// ServeHTTP routes a request to the surface its credential scope names.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_eksemu/") {
		s.internal(w, r)
		return
	}
	if !s.ready.Load() {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "eksemu is starting (loading its fixture)"})
		return
	}
	s.gate.RLock()
	defer s.gate.RUnlock()
	service, _, signed := sigv4.ScopeOf(r)
	if !signed {
		service = guessService(r)
	}
	switch service {
	case "eks":
		s.eks.ServeHTTP(w, r)
	case "sts":
		s.sts.ServeHTTP(w, r)
	case "iam":
		s.iam.ServeHTTP(w, r)
	default:
		w.Header().Set("X-Amzn-ErrorType", "UnknownOperationException")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": fmt.Sprintf("eksemu does not emulate the service %q (credential scope)", service)})
	}
}

// guessService picks the dialect for an unsigned request's error: EKS by its
// paths, IAM by the Query API version it names (so that its ErrorResponse has
// IAM's namespace), else STS.
func guessService(r *http.Request) string {
	p := r.URL.Path
	if strings.HasPrefix(p, "/clusters") || strings.HasPrefix(p, "/access-policies") || strings.HasPrefix(p, "/tags/") {
		return "eks"
	}
	if queryVersion(r) == iamVersion {
		return "iam"
	}
	return "sts"
}

const iamVersion = "2010-05-08"

// queryVersion returns the Version parameter of a Query-protocol request, from
// the URL or a form body; the body is left for the surface to read again.
func queryVersion(r *http.Request) string {
	if v := r.URL.Query().Get("Version"); v != "" {
		return v
	}
	if r.Body == nil || r.Method != http.MethodPost {
		return ""
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	return form.Get("Version")
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_eksemu/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "application/json")
		if !s.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "starting"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	case r.URL.Path == "/_eksemu/reset" && r.Method == http.MethodPost:
		s.handleReset(w, r)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "no such eksemu endpoint: " + r.Method + " " + r.URL.Path})
	}
}

// Start listens on the configured address and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ln = ln
	if s.hooks != nil {
		// Tokens presigned against eksemu's own STS endpoint name the port it
		// really listens on, which Config.Listen leaves open when it asks for port 0.
		hosts := append(ownHosts(s.cfg.Listen), ownHosts(ln.Addr().String())...)
		s.hooks.authn = authn.NewKube(authn.NewTokenVerifier(s.auth, s.cfg.Now, hosts...), s.db, s.kube, s.logger)
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
	srv := s.http
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("AWS listener stopped", "error", err)
		}
	}()
	ctx := context.Background()
	if s.kube != nil {
		resume := s.cfg.Fixtures == ""
		if err := s.kube.Start(ctx, resume); err != nil {
			return err
		}
		// Ready means every cluster the data dir holds serves its API again.
		s.kube.WaitStarted()
	}
	if s.cfg.Fixtures != "" {
		if err := s.Reset(ctx); err != nil {
			return fmt.Errorf("loading fixture: %w", err)
		}
	}
	s.ready.Store(true)
	return nil
}

// URL is the base URL of the AWS listener (valid after Start).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "http://" + s.ln.Addr().String()
}

// Close stops the clusters' API servers (their data stays), stops listening
// and closes the store.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	srv := s.http
	s.mu.Unlock()
	var err error
	if s.kube != nil {
		err = s.kube.Close(ctx)
	}
	if srv != nil {
		err = errors.Join(err, srv.Shutdown(ctx))
	}
	return errors.Join(err, s.closeStore())
}

func (s *Server) closeStore() error {
	err := s.db.Close()
	if s.tempDir != "" {
		err = errors.Join(err, os.RemoveAll(s.tempDir))
	}
	return err
}

// Run serves until ctx is cancelled.
func Run(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	s, err := New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		_ = s.Close(context.Background())
		return err
	}
	logger.Info("eksemu is serving the AWS APIs", "url", s.URL(), "account", cfg.AccountID, "in_memory", cfg.InMemory, "data_dir", cfg.DataDir)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Close(shutdown)
}

// instantClusters is the cluster lifecycle until the Kubernetes side exists:
// a created cluster becomes ACTIVE at once.
type instantClusters struct {
	db     *store.DB
	logger *slog.Logger
}

func (i instantClusters) ClusterCreated(ctx context.Context, c store.Cluster) {
	if err := i.db.SetClusterRuntime(ctx, c.ClusterKey, store.ClusterRuntime{Status: store.StatusActive}); err != nil {
		i.logger.Error("activating cluster", "cluster", c.Name, "error", err)
	}
}

func (i instantClusters) ClusterDeleted(context.Context, store.Cluster) {}

// resume activates the clusters a crash (or a run with Kubernetes) left
// CREATING: CreateCluster records a cluster and activates it in two steps.
func (i instantClusters) resume(ctx context.Context) error {
	clusters, err := i.db.AllClusters(ctx)
	if err != nil {
		return err
	}
	for _, c := range clusters {
		if c.Status == store.StatusCreating {
			i.ClusterCreated(ctx, c)
		}
	}
	return nil
}
