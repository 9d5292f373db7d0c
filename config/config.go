package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// Defaults of the interface contract (DESIGN.md §2).
const (
	DefaultListen          = "127.0.0.1:4750"
	DefaultDataDir         = "./.eksemu"
	DefaultAccountID       = "111122223333"
	DefaultRootAccessKeyID = "AKIAIOSFODNN7EXAMPLE"
	DefaultRootSecretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	DefaultUpdateDelay     = 3 * time.Second
	DefaultClusterPortMin  = 4751
	DefaultClusterPortMax  = 4850
)

// Config is everything the emulator needs to run.
type Config struct {
	// Listen is the address of the AWS API listener.
	Listen string
	// DataDir holds the SQLite database and each cluster's files.
	DataDir string
	// Fixtures is a YAML seed applied at start and by POST /_eksemu/reset.
	Fixtures string
	// InMemory keeps no files (DataDir is ignored).
	InMemory bool
	// AccountID is the default account; the root credentials belong to it.
	AccountID           string
	RootAccessKeyID     string
	RootSecretAccessKey string
	// UpdateDelay is how long EKS cluster updates stay InProgress.
	UpdateDelay time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level
	// Kubernetes runs a real kube-apiserver for every cluster; without it clusters
	// turn ACTIVE at once and serve no Kubernetes API (AWS-side-only use).
	Kubernetes bool
	// ClusterPortMin..ClusterPortMax are the ports cluster API servers take; 0 = any free port.
	ClusterPortMin, ClusterPortMax int
	// ClusterBindAddress is where cluster API servers listen.
	ClusterBindAddress string
	// KubeCommand starts a cluster process (the eksemu binary + "cluster-apiserver");
	// main sets it from os.Executable.
	KubeCommand []string `json:"-"`

	// Now and Random are injected in tests; Load sets the production ones.
	Now    func() time.Time `json:"-"`
	Random awsid.Source     `json:"-"`
}

// Default returns the configuration with every default set.
func Default() Config {
	return Config{
		Listen: DefaultListen, DataDir: DefaultDataDir, AccountID: DefaultAccountID,
		RootAccessKeyID: DefaultRootAccessKeyID, RootSecretAccessKey: DefaultRootSecretKey,
		UpdateDelay: DefaultUpdateDelay, LogLevel: slog.LevelInfo,
		Kubernetes: true, ClusterPortMin: DefaultClusterPortMin, ClusterPortMax: DefaultClusterPortMax,
		ClusterBindAddress: "127.0.0.1",
		Now:                time.Now, Random: awsid.CryptoSource(),
	}
}

// Load parses args (without the program name and subcommand) over getenv's
// EKSEMU_* variables over the defaults.
func Load(args []string, getenv func(string) string) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("eksemu", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var level string
	str := func(p *string, name, env, usage string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" (env "+env+")")
	}
	str(&c.Listen, "listen", "EKSEMU_LISTEN", "address of the AWS API listener")
	str(&c.DataDir, "data-dir", "EKSEMU_DATA_DIR", "directory for the database and cluster files")
	str(&c.Fixtures, "fixtures", "EKSEMU_FIXTURES", "YAML fixture applied at start and on reset")
	str(&c.AccountID, "account-id", "EKSEMU_ACCOUNT_ID", "default AWS account ID")
	str(&c.RootAccessKeyID, "root-access-key-id", "EKSEMU_ROOT_ACCESS_KEY_ID", "access key ID of the account root")
	str(&c.RootSecretAccessKey, "root-secret-access-key", "EKSEMU_ROOT_SECRET_ACCESS_KEY", "secret access key of the account root")
	level = c.LogLevel.String()
	str(&level, "log-level", "EKSEMU_LOG_LEVEL", "debug, info, warn or error")
	delay := c.UpdateDelay.String()
	str(&delay, "update-delay", "EKSEMU_UPDATE_DELAY", "how long cluster updates stay InProgress")
	str(&c.ClusterBindAddress, "cluster-bind-address", "EKSEMU_CLUSTER_BIND_ADDRESS", "address cluster API servers listen on")
	ports := fmt.Sprintf("%d-%d", c.ClusterPortMin, c.ClusterPortMax)
	str(&ports, "cluster-ports", "EKSEMU_CLUSTER_PORTS", "port range of cluster API servers (\"0\" for any free port)")
	boolean := func(p *bool, name, env, usage string) error {
		if v := getenv(env); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not a boolean", env, v)
			}
			*p = b
		}
		fs.BoolVar(p, name, *p, usage+" (env "+env+")")
		return nil
	}
	if err := boolean(&c.InMemory, "in-memory", "EKSEMU_IN_MEMORY", "keep no files"); err != nil {
		return Config{}, err
	}
	if err := boolean(&c.Kubernetes, "kubernetes", "EKSEMU_KUBERNETES", "serve a real Kubernetes API for every ACTIVE cluster"); err != nil {
		return Config{}, err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, ErrHelp{Usage: usage(fs)}
		}
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	d, err := time.ParseDuration(delay)
	if err != nil || d < 0 {
		return Config{}, fmt.Errorf("update-delay: %q is not a non-negative duration", delay)
	}
	c.UpdateDelay = d
	if c.ClusterPortMin, c.ClusterPortMax, err = parsePorts(ports); err != nil {
		return Config{}, err
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return Config{}, fmt.Errorf("log-level: %w", err)
	}
	return c, c.Validate()
}

// Validate checks the values Load cannot type-check.
func (c Config) Validate() error {
	if len(c.AccountID) != 12 || strings.Trim(c.AccountID, "0123456789") != "" {
		return fmt.Errorf("account-id: %q is not a 12-digit AWS account ID", c.AccountID)
	}
	if c.RootAccessKeyID == "" || c.RootSecretAccessKey == "" {
		return errors.New("root-access-key-id and root-secret-access-key must not be empty")
	}
	if c.Listen == "" {
		return errors.New("listen must not be empty")
	}
	return nil
}

func parsePorts(s string) (lo, hi int, err error) {
	if s == "0" || s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("cluster-ports: %q is not a port range like 4751-4850", s)
	}
	return lo, hi, nil
}

// ErrHelp carries the usage text when -h/--help is given.
type ErrHelp struct{ Usage string }

func (e ErrHelp) Error() string { return e.Usage }

func usage(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("Usage: eksemu [serve] [flags]\n\nFlags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return b.String()
}
