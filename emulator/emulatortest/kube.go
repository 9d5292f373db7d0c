package emulatortest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"k8s.io/client-go/rest"
)

// WithFixture starts the emulator from a fixture file (see package fixtures).
func WithFixture(path string) Option { return func(o *options) { o.cfg.Fixtures = path } }

// Token mints the bearer token `aws eks get-token` would print for creds and
// cluster: k8s-aws-v1. + base64url of a presigned STS GetCallerIdentity URL that
// signs x-k8s-aws-id. It is valid for 15 minutes.
func (e *Emulator) Token(ctx context.Context, creds Credentials, cluster string) (string, error) {
	cfg := e.AWSConfig(creds)
	cfg.BaseEndpoint = nil // real STS host in the URL, as the CLI produces
	presign := sts.NewPresignClient(sts.NewFromConfig(cfg))
	req, err := presign.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions,
				smithyhttp.SetHeaderValue("x-k8s-aws-id", cluster),
				smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
		})
	})
	if err != nil {
		return "", err
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), nil
}

// WaitActive waits for a cluster to be ACTIVE and returns it.
func (e *Emulator) WaitActive(t testing.TB, name string) *ekstypes.Cluster {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		out, err := e.EKS().DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
		if err != nil {
			t.Fatalf("emulatortest: DescribeCluster %s: %v", name, err)
		}
		switch out.Cluster.Status {
		case ekstypes.ClusterStatusActive, ekstypes.ClusterStatusUpdating:
			return out.Cluster
		case ekstypes.ClusterStatusFailed:
			t.Fatalf("emulatortest: cluster %s FAILED", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("emulatortest: cluster %s not ACTIVE after 3 minutes", name)
	return nil
}

// RESTConfig returns a client-go configuration for cluster name acting as the
// IAM principal of creds, authenticating exactly as kubectl on EKS does (a
// fresh k8s-aws-v1 token when the previous one nears its 15 minutes). The
// cluster must be ACTIVE (see WaitActive).
func (e *Emulator) RESTConfig(t testing.TB, name string, creds Credentials) *rest.Config {
	t.Helper()
	c := e.WaitActive(t, name)
	ca, err := base64.StdEncoding.DecodeString(aws.ToString(c.CertificateAuthority.Data))
	if err != nil {
		t.Fatalf("emulatortest: certificate authority of %s: %v", name, err)
	}
	src := &tokenSource{e: e, creds: creds, cluster: name}
	return &rest.Config{
		Host:            aws.ToString(c.Endpoint),
		TLSClientConfig: rest.TLSClientConfig{CAData: ca},
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				tok, err := src.get(r.Context())
				if err != nil {
					return nil, err
				}
				r = r.Clone(r.Context())
				r.Header.Set("Authorization", "Bearer "+tok)
				return rt.RoundTrip(r)
			})
		},
	}
}

type tokenSource struct {
	e       *Emulator
	creds   Credentials
	cluster string

	mu      sync.Mutex
	token   string
	expires time.Time
}

// get returns a cached token, re-minted after 14 minutes like the AWS CLI's.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && time.Now().Before(s.expires) {
		return s.token, nil
	}
	tok, err := s.e.Token(ctx, s.creds, s.cluster)
	if err != nil {
		return "", fmt.Errorf("emulatortest: minting a token: %w", err)
	}
	s.token, s.expires = tok, time.Now().Add(14*time.Minute)
	return tok, nil
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
