package kube

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/eksemu/eksemu/store"
)

// Config configures a Supervisor.
type Config struct {
	DB     *store.DB
	Logger *slog.Logger
	// ClustersDir holds one directory per cluster (named by the cluster UID).
	ClustersDir string
	// Command starts a cluster process: the eksemu binary and "cluster-apiserver".
	Command []string
	// BindAddress is where cluster API servers listen ("127.0.0.1"; "0.0.0.0" in a container).
	BindAddress string
	// PortMin..PortMax is the range cluster API ports are taken from; 0 means any free port.
	PortMin, PortMax int
	// ReadyTimeout bounds the wait for a new API server's /readyz.
	ReadyTimeout time.Duration
	// Webhooks answer the clusters' TokenReview and SubjectAccessReview calls.
	Webhooks Webhooks
	Now      func() time.Time
}

// Supervisor runs the clusters' API servers and their webhooks.
type Supervisor struct {
	cfg Config

	webhookLn  net.Listener
	webhookSrv *http.Server
	webhookCA  []byte

	mu       sync.Mutex
	procs    map[string]*process // by cluster UID
	tokens   map[string]string   // webhook bearer token by cluster UID
	deleted  map[string]bool     // clusters deleted while their API server was starting
	starting sync.WaitGroup
	closed   bool
	// dying are the processes of deleted clusters that are still stopping;
	// deleting counts the deletions whose files are not yet removed.
	dying    map[*process]bool
	deleting sync.WaitGroup

	portMu sync.Mutex // one new cluster at a time picks and records its port
}

type process struct {
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan struct{}
	err   error
	log   *os.File
}

// New returns a Supervisor; Start brings it up.
func New(cfg Config) (*Supervisor, error) {
	if cfg.DB == nil || len(cfg.Command) == 0 || cfg.ClustersDir == "" {
		return nil, errors.New("kube: Config.DB, Command and ClustersDir are required")
	}
	if cfg.BindAddress == "" {
		cfg.BindAddress = "127.0.0.1"
	}
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 90 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Supervisor{cfg: cfg, procs: map[string]*process{}, tokens: map[string]string{}, dying: map[*process]bool{}, deleted: map[string]bool{}}, nil
}

// Start serves the webhooks and, when resume is set, brings back every
// cluster the store knows.
func (s *Supervisor) Start(ctx context.Context, resume bool) error {
	if err := os.MkdirAll(s.cfg.ClustersDir, 0o700); err != nil {
		return err
	}
	if err := s.startWebhooks(); err != nil {
		return err
	}
	if !resume {
		return nil
	}
	clusters, err := s.cfg.DB.AllClusters(ctx)
	if err != nil {
		return err
	}
	for _, c := range clusters {
		if c.Status == store.StatusFailed {
			continue
		}
		s.launch(c)
	}
	return nil
}

// WaitStarted waits until every cluster being started is ready or has failed.
func (s *Supervisor) WaitStarted() { s.starting.Wait() }

// ClusterCreated starts the new cluster's API server in the background; the
// cluster turns ACTIVE when it is ready (FAILED if it cannot start).
func (s *Supervisor) ClusterCreated(_ context.Context, c store.Cluster) { s.launch(c) }

// ClusterDeleted stops the cluster's API server and removes its data (a reset
// waits for this, see KillAll).
func (s *Supervisor) ClusterDeleted(_ context.Context, c store.Cluster) {
	s.mu.Lock()
	p := s.procs[c.UID]
	delete(s.procs, c.UID)
	delete(s.tokens, c.UID)
	if p != nil {
		s.dying[p] = true
	} else {
		s.deleted[c.UID] = true // run() stops the process it is starting
	}
	s.deleting.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.deleting.Done()
		if p != nil {
			p.stop()
			s.mu.Lock()
			delete(s.dying, p)
			s.mu.Unlock()
		}
		if err := os.RemoveAll(string(s.dir(c))); err != nil {
			s.cfg.Logger.Error("removing cluster data", "cluster", c.Name, "error", err)
		}
	}()
}

func (s *Supervisor) dir(c store.Cluster) clusterDir {
	return clusterDir(filepath.Join(s.cfg.ClustersDir, c.UID))
}

func (s *Supervisor) launch(c store.Cluster) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.starting.Add(1)
	delete(s.deleted, c.UID) // a reset re-creates clusters with the same UID
	s.mu.Unlock()
	go func() {
		defer s.starting.Done()
		if err := s.run(c); err != nil {
			s.cfg.Logger.Error("cluster API server failed to start", "cluster", c.Name, "error", err)
			_ = s.cfg.DB.SetClusterRuntime(context.Background(), c.ClusterKey, store.ClusterRuntime{Status: store.StatusFailed})
		}
	}()
}

// run prepares the directory, picks (or keeps) the port, starts the process and
// waits for /readyz.
func (s *Supervisor) run(c store.Cluster) error {
	ctx := context.Background()
	d := s.dir(c)
	if err := d.ensurePKI(s.cfg.Now(), s.keptDir(c.UID)); err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	token, err := randomToken()
	if err != nil {
		return err
	}
	if err := d.writeWebhookConfigs("https://"+s.webhookLn.Addr().String(), c.UID, s.webhookCA, token); err != nil {
		return err
	}
	port := c.Port
	if port == 0 {
		if port, err = s.assignPort(ctx, c.ClusterKey, d); err != nil {
			return err
		}
	}
	caData, err := d.caData()
	if err != nil {
		return err
	}
	args := append(append([]string{}, s.cfg.Command[1:]...),
		"--dir", string(d), "--bind-address", s.cfg.BindAddress, "--port", strconv.Itoa(port),
		"--emulated-version", store.EmulatedMinor(c.Version), "--git-version", store.GitVersion(c.Version),
		"--issuer", fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", c.Region, c.UID),
		"--service-cidr", "10.100.0.0/16")
	logFile, err := os.OpenFile(d.path("apiserver.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.cfg.Command[0], args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		_ = logFile.Close()
		return err
	}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return err
	}
	p := &process{cmd: cmd, stdin: stdin, done: make(chan struct{}), log: logFile}
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	s.mu.Lock()
	if s.closed || s.deleted[c.UID] {
		gone := s.deleted[c.UID]
		delete(s.deleted, c.UID)
		s.mu.Unlock()
		p.stop()
		if gone {
			_ = os.RemoveAll(string(d)) // written after ClusterDeleted removed it
		}
		return nil
	}
	s.procs[c.UID] = p
	s.tokens[c.UID] = token
	s.mu.Unlock()

	endpoint := "https://127.0.0.1:" + strconv.Itoa(port)
	err = s.waitReady(endpoint, d, p)
	s.mu.Lock()
	current := s.procs[c.UID]
	s.mu.Unlock()
	if current != p {
		return nil // deleted (or reset) while starting: ClusterDeleted stops it
	}
	if err != nil {
		p.stop()
		return fmt.Errorf("%w (log: %s)", err, d.path("apiserver.log"))
	}
	s.cfg.Logger.Info("cluster API server ready", "cluster", c.Name, "endpoint", endpoint, "version", c.Version)
	return s.cfg.DB.SetClusterRuntime(ctx, c.ClusterKey, store.ClusterRuntime{Status: store.StatusActive, Endpoint: endpoint, CAData: caData, Port: port})
}

func (s *Supervisor) waitReady(endpoint string, d clusterDir, p *process) error {
	client, err := adminHTTPClient(d)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.cfg.ReadyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("API server exited: %v", p.err)
		default:
		}
		resp, err := client.Get(endpoint + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("API server not ready after %s", s.cfg.ReadyTimeout)
}

// assignPort picks a new cluster's API port and records it, in the store and
// in the cluster's directory; clusters are given ports one at a time, so two
// starting together cannot pick the same one. A directory that already names
// a port (a reset re-creating the cluster) gets it again when it is free, so
// the endpoint stays the same.
func (s *Supervisor) assignPort(ctx context.Context, k store.ClusterKey, d clusterDir) (int, error) {
	s.portMu.Lock()
	defer s.portMu.Unlock()
	port, err := s.freePort(ctx, d.savedPort())
	if err != nil {
		return 0, err
	}
	if err := s.cfg.DB.SetClusterRuntime(ctx, k, store.ClusterRuntime{Port: port}); err != nil {
		return 0, err
	}
	return port, d.savePort(port)
}

// freePort finds a port in the configured range that no cluster uses and that
// can be bound now (any free port when no range is configured), preferring
// preferred (0 for none).
func (s *Supervisor) freePort(ctx context.Context, preferred int) (int, error) {
	used, err := s.cfg.DB.UsedPorts(ctx)
	if err != nil {
		return 0, err
	}
	try := func(port int) (int, bool) {
		ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.BindAddress, strconv.Itoa(port)))
		if err != nil {
			return 0, false
		}
		got := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		return got, !used[got]
	}
	inRange := s.cfg.PortMin == 0 || (preferred >= s.cfg.PortMin && preferred <= s.cfg.PortMax)
	if preferred != 0 && inRange && !used[preferred] {
		if got, ok := try(preferred); ok {
			return got, nil
		}
	}
	if s.cfg.PortMin == 0 {
		for range 20 {
			if p, ok := try(0); ok {
				return p, nil
			}
		}
		return 0, errors.New("no free port")
	}
	for p := s.cfg.PortMin; p <= s.cfg.PortMax; p++ {
		if used[p] {
			continue
		}
		if got, ok := try(p); ok {
			return got, nil
		}
	}
	return 0, fmt.Errorf("no free port in %d-%d for a new cluster", s.cfg.PortMin, s.cfg.PortMax)
}

// stop closes the child's stdin (it exits when it sees EOF), then waits, then kills.
func (p *process) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
		return
	case <-time.After(15 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Close stops every cluster process (their data stays), waits for deleted
// clusters' processes to stop, and stops the webhooks.
func (s *Supervisor) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	procs := s.procs
	s.procs = map[string]*process{}
	s.mu.Unlock()
	s.starting.Wait()
	s.mu.Lock()
	for uid, p := range s.procs {
		procs[uid] = p
	}
	s.mu.Unlock()
	stopAll(procs)
	s.deleting.Wait()
	if s.webhookSrv != nil {
		return s.webhookSrv.Shutdown(ctx)
	}
	return nil
}

func stopAll(procs map[string]*process) {
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stop()
		}()
	}
	wg.Wait()
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// adminHTTPClient is an HTTP client that authenticates to the cluster as
// system:masters with the admin client certificate and trusts the cluster CA.
func adminHTTPClient(d clusterDir) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(d.path("admin.crt"), d.path("admin.key"))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(d.path("ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}, nil
}
