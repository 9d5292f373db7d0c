package authn

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/sigv4"
	"github.com/eksemu/eksemu/store"
)

// TokenPrefix starts every EKS bearer token.
const TokenPrefix = "k8s-aws-v1."

// maxTokenLen and the 15-minute window are aws-iam-authenticator's.
const (
	maxTokenLen     = 4096
	tokenLifetime   = 15 * time.Minute
	dateFormat      = "20060102T150405Z"
	clusterIDHeader = "x-k8s-aws-id"
)

// TokenError is a rejected token; its text is aws-iam-authenticator's log text
// (FormatError or STSError, authenticator.md §2).
type TokenError struct{ msg string }

func (e *TokenError) Error() string { return e.msg }

func formatErr(format string, args ...any) error {
	return &TokenError{msg: "input token was not properly formatted: " + fmt.Sprintf(format, args...)}
}

// stsErr words a failure of the (locally emulated) STS call the way the
// authenticator logs an STS error response.
func stsErr(region, code, message string) error {
	body := fmt.Sprintf(`{"Error":{"Code":%q,"Message":%q,"Type":"Sender"}}`, code, message)
	return &TokenError{msg: fmt.Sprintf("sts getCallerIdentity failed: error from AWS (expected 200, got 403) on %s endpoint. Body: %s", region, body)}
}

var allowedQuery = map[string]bool{
	"action": true, "version": true, "x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true,
	"x-amz-expires": true, "x-amz-security-token": true, "x-amz-signature": true, "x-amz-signedheaders": true,
}

var regionPattern = regexp.MustCompile(`^[[:alnum:]]([[:alnum:]-]*[[:alnum:]])?$`)

// Identity is the caller a valid token proves, as aws-iam-authenticator's
// token.Identity describes it.
type Identity struct {
	ARN          string
	CanonicalARN string
	AccountID    string
	// UserID is the principal's unique ID (AROA…/AIDA…, the account for root), without session.
	UserID      string
	SessionName string
	AccessKeyID string
	// Caller is the full principal from the store.
	Caller store.Caller
}

// TokenVerifier checks `k8s-aws-v1.` tokens offline: the authenticator's URL
// checks, then STS's part — key lookup, session token, expiry and SigV4 with
// the cluster's name as the signed x-k8s-aws-id header.
type TokenVerifier struct {
	aws *AWS
	// ownHosts are host[:port] values of eksemu's own STS endpoint, accepted (also
	// over http) for clients pointed at it with AWS_ENDPOINT_URL_STS.
	ownHosts map[string]bool
	now      func() time.Time
}

// NewTokenVerifier returns a verifier; ownHosts are eksemu's STS endpoint hosts.
func NewTokenVerifier(a *AWS, now func() time.Time, ownHosts ...string) *TokenVerifier {
	v := &TokenVerifier{aws: a, now: now, ownHosts: map[string]bool{}}
	for _, h := range ownHosts {
		v.ownHosts[h] = true
	}
	return v
}

// Verify returns the identity behind token if it is valid for cluster clusterName.
func (v *TokenVerifier) Verify(ctx context.Context, token, clusterName string) (Identity, error) {
	u, err := v.parse(token)
	if err != nil {
		return Identity{}, err
	}
	req, err := sigv4.Parse(&http.Request{URL: u, Header: http.Header{}})
	region := "us-east-1"
	if err == nil {
		region = req.Region
	}
	if err != nil {
		return Identity{}, stsErr(region, "IncompleteSignature", err.Error())
	}
	if msg := v.scopeProblem(u.Host, req); msg != "" {
		return Identity{}, stsErr(region, "SignatureDoesNotMatch", msg)
	}
	r := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
	extra := http.Header{}
	extra.Set(clusterIDHeader, clusterName)
	caller, err := v.aws.verify(ctx, r, nil, req, extra)
	if err != nil {
		var f *Failure
		if errors.As(err, &f) {
			code := map[Reason]string{ReasonUnknownKey: "InvalidClientTokenId", ReasonExpiredToken: "ExpiredToken",
				ReasonSignature: "SignatureDoesNotMatch", ReasonIncomplete: "IncompleteSignature"}[f.Reason]
			if code != "" {
				return Identity{}, stsErr(region, code, f.Message)
			}
		}
		return Identity{}, err
	}
	id := Identity{ARN: caller.ARN, AccountID: caller.Account, UserID: caller.PrincipalID, SessionName: caller.SessionName,
		AccessKeyID: req.AccessKeyID, Caller: caller}
	p, err := awsid.ParsePrincipal(caller.ARN)
	if err != nil {
		return Identity{}, &TokenError{msg: fmt.Sprintf("sts getCallerIdentity failed: arn '%s' is invalid: '%v'", caller.ARN, err)}
	}
	id.CanonicalARN = p.Canonical()
	return id, nil
}

// parse applies aws-iam-authenticator's format checks in its order (authenticator.md §2, checks 1–17).
func (v *TokenVerifier) parse(token string) (*url.URL, error) {
	if len(token) > maxTokenLen {
		return nil, formatErr("token is too large")
	}
	if !strings.HasPrefix(token, TokenPrefix) {
		return nil, formatErr("token is missing expected %q prefix", TokenPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, TokenPrefix))
	if err != nil {
		return nil, formatErr("%v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return nil, formatErr("%v", err)
	}
	own := v.ownHosts[u.Host]
	if u.Scheme != "https" && !(own && u.Scheme == "http") {
		return nil, formatErr("unexpected scheme %q in pre-signed URL", u.Scheme)
	}
	if !own {
		if err := checkSTSHost(u.Host); err != nil {
			return nil, err
		}
	}
	if u.Path != "/" {
		return nil, formatErr("unexpected path in pre-signed URL")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, formatErr("malformed query parameter")
	}
	seen := map[string]bool{}
	for k, vs := range q {
		lk := strings.ToLower(k)
		if seen[lk] {
			return nil, formatErr("duplicate query parameter found: %q", k)
		}
		seen[lk] = true
		if !allowedQuery[lk] {
			return nil, formatErr("non-whitelisted query parameter %q", k)
		}
		if len(vs) != 1 {
			return nil, formatErr("query parameter with multiple values not supported")
		}
	}
	get := func(key string) string {
		for k, vs := range q {
			if strings.EqualFold(k, key) {
				return vs[0]
			}
		}
		return ""
	}
	if get("Action") != "GetCallerIdentity" {
		return nil, formatErr("unexpected action parameter in pre-signed URL")
	}
	signed := false
	for _, h := range strings.Split(get("X-Amz-SignedHeaders"), ";") {
		if strings.EqualFold(h, clusterIDHeader) {
			signed = true
		}
	}
	if !signed {
		return nil, formatErr("client did not sign the x-k8s-aws-id header in the pre-signed URL")
	}
	if e := get("X-Amz-Expires"); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 0 || n > 900 {
			return nil, formatErr("invalid X-Amz-Expires parameter in pre-signed URL: %d", n)
		}
	}
	date := get("X-Amz-Date")
	if date == "" {
		return nil, formatErr("X-Amz-Date parameter must be present in pre-signed URL")
	}
	t, err := time.Parse(dateFormat, date)
	if err != nil {
		return nil, formatErr("error parsing X-Amz-Date parameter %s into format %s: %v", date, dateFormat, err)
	}
	if v.now().After(t.Add(tokenLifetime)) {
		return nil, formatErr("X-Amz-Date parameter is expired (15 minute expiration) %s", date)
	}
	return u, nil
}

// checkSTSHost accepts the hosts the SDK endpoint resolver yields for STS in the
// aws, aws-cn and aws-us-gov partitions: the global endpoint, regional, FIPS
// and dual-stack forms.
func checkSTSHost(host string) error {
	if host == "sts.amazonaws.com" {
		return nil
	}
	labels := strings.Split(host, ".")
	if len(labels) < 3 {
		return formatErr("could not parse region for pre-signed URL %s, invalid host format: %s", host, host)
	}
	region := labels[1]
	if !regionPattern.MatchString(region) {
		return formatErr("invalid region identifier format provided: %s", region)
	}
	for _, svc := range []string{"sts", "sts-fips"} {
		for _, domain := range []string{"amazonaws.com", "api.aws", "amazonaws.com.cn", "api.amazonwebservices.com.cn"} {
			if host == svc+"."+region+"."+domain {
				return nil
			}
		}
	}
	return formatErr("unexpected hostname %q in pre-signed URL", host)
}

// scopeProblem is STS's own check that the credential scope fits the endpoint.
func (v *TokenVerifier) scopeProblem(host string, req *sigv4.Request) string {
	if req.Service != "sts" {
		return "Credential should be scoped to correct service: 'sts'. "
	}
	want := ""
	switch {
	case v.ownHosts[host]:
	case host == "sts.amazonaws.com":
		want = "us-east-1"
	default:
		want = strings.Split(host, ".")[1]
	}
	if want != "" && req.Region != want {
		return fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. ", req.Region)
	}
	return ""
}
