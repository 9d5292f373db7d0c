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
		Now: time.Now, Random: awsid.CryptoSource(),
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
	if v := getenv("EKSEMU_IN_MEMORY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("EKSEMU_IN_MEMORY: %q is not a boolean", v)
		}
		c.InMemory = b
	}
	fs.BoolVar(&c.InMemory, "in-memory", c.InMemory, "keep no files (env EKSEMU_IN_MEMORY)")
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
