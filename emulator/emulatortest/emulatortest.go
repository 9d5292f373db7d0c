package emulatortest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator"
)

// Emulator is a running in-process eksemu.
type Emulator struct {
	// URL is the AWS endpoint (http://127.0.0.1:PORT).
	URL string
	// Config is the configuration it runs with.
	Config config.Config
	// Server is the emulator itself.
	Server *emulator.Server
	// Region is the region of the clients New returns.
	Region string
	// Clock is the emulator's clock when WithClock was used, else nil.
	Clock *Clock
}

// Option changes how New starts the emulator.
type Option func(*options)

type options struct {
	cfg    config.Config
	clock  *Clock
	logger *slog.Logger
	kube   bool
}

// WithKubernetes gives every ACTIVE cluster a real kube-apiserver (a child
// process of the eksemu binary, see Binary). Without it clusters turn ACTIVE at
// once and serve no Kubernetes API, which keeps AWS-side tests fast.
func WithKubernetes() Option { return func(o *options) { o.kube = true } }

// WithConfig lets a test adjust the configuration (data dir, delays, …).
func WithConfig(f func(*config.Config)) Option { return func(o *options) { f(&o.cfg) } }

// WithClock runs the emulator on a controllable clock.
func WithClock(c *Clock) Option { return func(o *options) { o.clock = c } }

// WithLogger sends the emulator's log to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// New starts an emulator on a free loopback port with a fresh data directory.
func New(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	o := options{cfg: config.Default(), logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	o.cfg.Listen = "127.0.0.1:0"
	o.cfg.DataDir = t.TempDir()
	o.cfg.UpdateDelay = 0
	o.cfg.Kubernetes = false
	for _, f := range opts {
		f(&o)
	}
	if o.clock != nil {
		o.cfg.Now = o.clock.Now
	}
	if o.kube {
		o.cfg.Kubernetes = true
		o.cfg.KubeCommand = []string{Binary(t), "cluster-apiserver"}
		o.cfg.ClusterPortMin, o.cfg.ClusterPortMax = 0, 0
	}
	ctx := context.Background()
	srv, err := emulator.New(ctx, o.cfg, o.logger)
	if err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	return &Emulator{URL: srv.URL(), Config: o.cfg, Server: srv, Region: "us-east-1", Clock: o.clock}
}

// Credentials are a static key pair, optionally with a session token.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Root returns the account root's credentials.
func (e *Emulator) Root() Credentials {
	return Credentials{AccessKeyID: e.Config.RootAccessKeyID, SecretAccessKey: e.Config.RootSecretAccessKey}
}

// AWSConfig returns an aws.Config pointed at the emulator with creds.
func (e *Emulator) AWSConfig(creds Credentials) aws.Config {
	return aws.Config{
		Region:       e.Region,
		BaseEndpoint: aws.String(e.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   bodyCopier{awshttp.NewBuildableClient()},
	}
}

// bodyCopier hands net/http an in-memory copy of each request body.
//
// With the SDK's own body (smithy-go wraps it in a reader that the SDK closes
// as soon as the response headers arrive, and whose WriteTo then returns
// io.EOF), net/http streams the body to the socket and afterwards reads it
// once more to check for extra bytes. A loopback emulator can answer in
// between; the check then fails with io.EOF and net/http closes the connection
// under the response body, so a 200 response fails to decode with "use of
// closed network connection" (cf. aws/aws-sdk-go-v2#1825, #2737). An in-memory
// body is written in one piece before the request is flushed.
type bodyCopier struct{ client aws.HTTPClient }

func (b bodyCopier) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		if cerr := r.Body.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return b.client.Do(r)
}

// EKS returns an EKS client acting as creds (the root when none are given).
func (e *Emulator) EKS(creds ...Credentials) *eks.Client {
	return eks.NewFromConfig(e.AWSConfig(e.pick(creds)))
}

// STS returns an STS client acting as creds (the root when none are given).
func (e *Emulator) STS(creds ...Credentials) *sts.Client {
	return sts.NewFromConfig(e.AWSConfig(e.pick(creds)))
}

// IAM returns an IAM client acting as creds (the root when none are given).
func (e *Emulator) IAM(creds ...Credentials) *iam.Client {
	return iam.NewFromConfig(e.AWSConfig(e.pick(creds)))
}

func (e *Emulator) pick(creds []Credentials) Credentials {
	if len(creds) > 0 {
		return creds[0]
	}
	return e.Root()
}

// Clock is a manually advanced clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
