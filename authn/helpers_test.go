package authn

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/store"
)

// The account, root key and clock of authenticator.md §6.1.
const (
	testAccount    = "111122223333"
	rootKeyID      = "AKIAIOSFODNN7EXAMPLE"
	rootSecret     = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	emptySHA256    = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	ownHost        = "127.0.0.1:4750"
	fmtPrefix      = "input token was not properly formatted: "
	msgMismatch    = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	trustAccount   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`
	vectorToken    = "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lBSU9TRk9ETk43RVhBTVBMRSUyRjIwMjQwMTAyJTJGdXMtZWFzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9ZmNjMDRlMTY4NGE5MmJjZGM2NGE0YjgzY2YyYTVjNmM3MTQwMzM0MDNiNGRkOGQ3NWQ1ZjlkOWU2NmQxZDkxNQ"
	vectorURL      = "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240102%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240102T030405Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=fcc04e1684a92bcdc64a4b83cf2a5c6c714033403b4dd8d75d5f9d9e66d1d915"
	vectorSigC2    = "990e7062ed9b7d82916ab931ae4a43f26db854668e8d94e6024f265edfd65681"
	vectorSigToken = "3e49f3244ad901ed11a170fcb03d8a8186f631b5b7767d4bc40aa2390c8f0eaa"
	vectorSigOwn   = "46ba8587490a634893a8fda621a806550f1895de6ade7c66e7dbde204e28336d"
)

// t0 is the signing time of §6.1.
var t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

var rootCreds = aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}

// testClock is the injected clock of the store and the verifiers.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a store holding account 111122223333 with the §6.1 root key, and
// verifiers over it: one without own hosts, one that accepts 127.0.0.1:4750.
type env struct {
	ctx   context.Context
	db    *store.DB
	clock *testClock
	aws   *AWS
	// verifier accepts only real STS hosts; own also accepts 127.0.0.1:4750.
	verifier, own *TokenVerifier
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	clk := &testClock{t: t0}
	db, err := store.Open(ctx, store.Options{Now: clk.Now, IDs: awsid.NewGenerator(awsid.SeededSource(1))})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.EnsureAccount(ctx, testAccount, rootKeyID, rootSecret); err != nil {
		t.Fatalf("EnsureAccount: %v", err)
	}
	a := NewAWS(db, clk.Now)
	return &env{
		ctx: ctx, db: db, clock: clk, aws: a,
		verifier: NewTokenVerifier(a, clk.Now),
		own:      NewTokenVerifier(a, clk.Now, ownHost),
	}
}

// user creates an IAM user with one access key.
func (e *env) user(t testing.TB, name, path string) (store.User, aws.Credentials) {
	t.Helper()
	u, err := e.db.CreateUser(e.ctx, testAccount, name, path)
	if err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	k, err := e.db.CreateAccessKey(e.ctx, testAccount, name, "", "")
	if err != nil {
		t.Fatalf("CreateAccessKey %s: %v", name, err)
	}
	return u, aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
}

// role creates a role every principal of the account may assume.
func (e *env) role(t testing.TB, name, path string) store.Role {
	t.Helper()
	r, err := e.db.CreateRole(e.ctx, store.RoleInput{Account: testAccount, Name: name, Path: path, TrustPolicy: trustAccount})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	return r
}

// caller is the principal behind creds, as the store resolves it.
func (e *env) caller(t testing.TB, creds aws.Credentials) store.Caller {
	t.Helper()
	c, err := e.db.LookupAccessKey(e.ctx, creds.AccessKeyID)
	if err != nil {
		t.Fatalf("LookupAccessKey %s: %v", creds.AccessKeyID, err)
	}
	return c.Caller
}

// assume assumes role r as the principal behind as.
func (e *env) assume(t testing.TB, as aws.Credentials, r store.Role, session string, d time.Duration) (store.Session, aws.Credentials) {
	t.Helper()
	s, err := e.db.AssumeRole(e.ctx, e.caller(t, as), store.AssumeRoleInput{RoleARN: r.ARN, SessionName: session, Duration: d})
	if err != nil {
		t.Fatalf("AssumeRole %s/%s: %v", r.Name, session, err)
	}
	return s, aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken}
}

// fixedPresigner makes the SDK presigner sign at a fixed time.
type fixedPresigner struct {
	at     time.Time
	signer *v4.Signer
}

func (p fixedPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return p.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, p.at, optFns...)
}

// mintOpts select the STS endpoint the SDK presigns against.
type mintOpts struct {
	region    string // "" = us-east-1
	endpoint  string // AWS_ENDPOINT_URL_STS
	fips      bool
	dualStack bool
}

// mintToken produces a token the way `aws eks get-token` / aws-iam-authenticator
// ≥ 0.7 do: sts PresignGetCallerIdentity with x-k8s-aws-id and X-Amz-Expires=60
// set as headers (the presigner hoists X-Amz-* into the query).
func mintToken(t testing.TB, creds aws.Credentials, cluster string, at time.Time, o mintOpts) string {
	t.Helper()
	return encodeToken(mintURL(t, creds, cluster, at, o))
}

func mintURL(t testing.TB, creds aws.Credentials, cluster string, at time.Time, o mintOpts) string {
	t.Helper()
	if o.region == "" {
		o.region = "us-east-1"
	}
	opts := sts.Options{Region: o.region, Credentials: credentials.StaticCredentialsProvider{Value: creds}}
	if o.endpoint != "" {
		opts.BaseEndpoint = aws.String(o.endpoint)
	}
	if o.fips {
		opts.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
	}
	if o.dualStack {
		opts.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
	}
	pc := sts.NewPresignClient(sts.New(opts), func(po *sts.PresignOptions) {
		po.Presigner = fixedPresigner{at: at, signer: v4.NewSigner()}
	})
	req, err := pc.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, func(po *sts.PresignOptions) {
		po.ClientOptions = append(po.ClientOptions, func(so *sts.Options) {
			so.APIOptions = append(so.APIOptions,
				smithyhttp.SetHeaderValue(clusterIDHeader, cluster),
				smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
		})
	})
	if err != nil {
		t.Fatalf("PresignGetCallerIdentity: %v", err)
	}
	return req.URL
}

// encodeToken wraps a presigned URL the way both generators do.
func encodeToken(rawURL string) string {
	return TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(rawURL))
}

// urlSpec describes a hand-built presigned URL.
type urlSpec struct {
	scheme, host, path string // "" = https, sts.us-east-1.amazonaws.com, /
	region, service    string // credential scope; "" = us-east-1, sts
	creds              aws.Credentials
	cluster            string // "" = c1
	at                 time.Time
	// query replaces Action/Version when set.
	query url.Values
	// unsigned leaves x-k8s-aws-id out of the signed headers.
	unsigned bool
	// expires is X-Amz-Expires; "" = 60, "-" = absent.
	expires string
}

// presign signs spec with aws-sdk-go-v2's v4 signer (no SDK client, so any
// host, scope and query can be produced).
func presign(t testing.TB, s urlSpec) string {
	t.Helper()
	if s.scheme == "" {
		s.scheme = "https"
	}
	if s.host == "" {
		s.host = "sts.us-east-1.amazonaws.com"
	}
	if s.path == "" {
		s.path = "/"
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.service == "" {
		s.service = "sts"
	}
	if s.cluster == "" {
		s.cluster = "c1"
	}
	if s.at.IsZero() {
		s.at = t0
	}
	if s.creds.AccessKeyID == "" {
		s.creds = rootCreds
	}
	q := s.query
	if q == nil {
		q = url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}
	}
	u := &url.URL{Scheme: s.scheme, Host: s.host, Path: s.path, RawQuery: q.Encode()}
	r := &http.Request{Method: http.MethodGet, URL: u, Host: s.host, Header: http.Header{}}
	if !s.unsigned {
		r.Header.Set(clusterIDHeader, s.cluster)
	}
	switch s.expires {
	case "":
		r.Header.Set("X-Amz-Expires", "60")
	case "-":
	default:
		r.Header.Set("X-Amz-Expires", s.expires)
	}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), s.creds, r, emptySHA256, s.service, s.region, s.at)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	return signed
}

// oracleSignature computes the signature of a presigned token URL for cluster
// independently of the code under test: authenticator.md §6, step by step
// (canonical request, string to sign, HMAC chain), over the URL exactly as
// given — X-Amz-Credential and X-Amz-Date are taken from it, not recomputed.
func oracleSignature(u *url.URL, cluster, secret string) (string, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", err
	}
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) != 5 {
		return "", errors.New("bad credential")
	}
	date, region, service := cred[1], cred[2], cred[3]
	type kv struct{ k, v string }
	var pairs []kv
	for k, vs := range q {
		if k == "X-Amz-Signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, kv{rfc3986(k), rfc3986(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	var headers strings.Builder
	for _, h := range signed {
		switch h {
		case "host":
			headers.WriteString("host:" + u.Host + "\n")
		case clusterIDHeader:
			headers.WriteString(clusterIDHeader + ":" + cluster + "\n")
		default:
			return "", fmt.Errorf("header %q is never sent", h)
		}
	}
	canonical := strings.Join([]string{"GET", "/", strings.Join(parts, "&"), headers.String(), strings.Join(signed, ";"), emptySHA256}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	scope := date + "/" + region + "/" + service + "/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + q.Get("X-Amz-Date") + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + secret)
	for _, part := range []string{date, region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(hmacSHA256(key, toSign)), nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// rfc3986 encodes everything but A-Z a-z 0-9 - _ . ~ as upper-case %XX.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// stsFailure is the authenticator's log text for an STS error response.
func stsFailure(region string, status int, code, message string) string {
	return fmt.Sprintf(`sts getCallerIdentity failed: error from AWS (expected 200, got %d) on %s endpoint. Body: {"Error":{"Code":%q,"Message":%q,"Type":"Sender"}}`,
		status, region, code, message)
}

// fakeConfigMaps serves canned aws-auth data.
type fakeConfigMaps struct {
	mu    sync.Mutex
	data  map[string]string
	found bool
	err   error
	calls int
}

func (f *fakeConfigMaps) ConfigMapData(_ context.Context, _ store.Cluster, namespace, name string) (map[string]string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if namespace != "kube-system" || name != "aws-auth" {
		return nil, false, nil
	}
	return f.data, f.found, f.err
}

func (f *fakeConfigMaps) set(data map[string]string) {
	f.mu.Lock()
	f.data, f.found = data, true
	f.mu.Unlock()
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
