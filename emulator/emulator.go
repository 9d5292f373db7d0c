package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/eksemu/eksemu/authn"
	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator/eksapi"
	"github.com/eksemu/eksemu/emulator/iamapi"
	"github.com/eksemu/eksemu/emulator/stsapi"
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
	eks, err := eksapi.New(eksapi.Deps{DB: db, Auth: auth, IDs: ids, Logger: logger, UpdateDelay: cfg.UpdateDelay, Lifecycle: instantClusters{db: db, logger: logger}})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.eks = eks
	s.sts = stsapi.New(stsapi.Deps{DB: db, Auth: auth, IDs: ids, Logger: logger})
	s.iam = iamapi.New(iamapi.Deps{DB: db, Auth: auth, IDs: ids, Logger: logger})
	return s, nil
}

// DB returns the emulator's store (tests and fixtures).
func (s *Server) DB() *store.DB { return s.db }

// ServeHTTP routes a request to the surface its credential scope names.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_eksemu/") {
		s.internal(w, r)
		return
	}
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

// guessService picks the dialect for an unsigned request's error.
func guessService(r *http.Request) string {
	p := r.URL.Path
	if strings.HasPrefix(p, "/clusters") || strings.HasPrefix(p, "/access-policies") || strings.HasPrefix(p, "/tags/") {
		return "eks"
	}
	return "sts"
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_eksemu/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
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
	defer s.mu.Unlock()
	s.ln = ln
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("AWS listener stopped", "error", err)
		}
	}()
	return nil
}

// URL is the base URL of the AWS listener (valid after Start).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "http://" + s.ln.Addr().String()
}

// Close stops listening and closes the store.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	srv := s.http
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	return errors.Join(err, s.db.Close())
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
