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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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
// authenticator logs an STS error response; region is the endpoint's (getStsRegion).
func stsErr(region string, status int, code, message string) error {
	body := fmt.Sprintf(`{"Error":{"Code":%q,"Message":%q,"Type":"Sender"}}`, code, message)
	return &TokenError{msg: fmt.Sprintf("sts getCallerIdentity failed: error from AWS (expected 200, got %d) on %s endpoint. Body: %s", status, region, body)}
}

// stsCodes are STS's code and HTTP status for each failure (authenticator.md §5.4).
var stsCodes = map[Reason]struct {
	code   string
	status int
}{
	ReasonMissing:      {"MissingAuthenticationToken", http.StatusForbidden},
	ReasonIncomplete:   {"IncompleteSignature", http.StatusBadRequest},
	ReasonUnknownKey:   {"InvalidClientTokenId", http.StatusForbidden},
	ReasonExpiredToken: {"ExpiredToken", http.StatusForbidden},
	ReasonSignature:    {"SignatureDoesNotMatch", http.StatusForbidden},
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
	// STS's errors name the endpoint's region as the authenticator derives it
	// from the host; for eksemu's own endpoint, the credential scope's.
	region, own := "us-east-1", v.ownHosts[u.Host]
	if !own {
		region, _ = stsRegion(u.Host)
	}
	fail := func(err error) error {
		var f *Failure
		if errors.As(err, &f) {
			if c, ok := stsCodes[f.Reason]; ok {
				return stsErr(region, c.status, c.code, f.Message)
			}
		}
		return err
	}
	req, err := sigv4.Parse(&http.Request{URL: u, Header: http.Header{}})
	if err != nil {
		return Identity{}, fail(fromSigV4(err))
	}
	if own {
		region = req.Region
	}
	if msg := v.scopeProblem(u.Host, req); msg != "" {
		return Identity{}, fail(&Failure{Reason: ReasonSignature, Message: msg})
	}
	r := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}}
	extra := http.Header{}
	extra.Set(clusterIDHeader, clusterName)
	caller, err := v.aws.verify(ctx, r, nil, req, extra)
	if err != nil {
		return Identity{}, fail(err)
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
		if err := checkSTSHost(u.Host, v.aws.db.Partition()); err != nil {
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
	// Duplicates are looked for over all keys before the allow-list is applied
	// (validateDuplicateParameters), so the outcome does not depend on map order.
	seen := map[string]bool{}
	for k := range q {
		lk := strings.ToLower(k)
		if seen[lk] {
			return nil, formatErr("duplicate query parameter found: %q", k)
		}
		seen[lk] = true
	}
	for k, vs := range q {
		if !allowedQuery[strings.ToLower(k)] {
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
	// An absent X-Amz-Expires fails too: Atoi("") is an error (the value printed is then 0).
	if n, err := strconv.Atoi(get("X-Amz-Expires")); err != nil || n < 0 || n > 900 {
		return nil, formatErr("invalid X-Amz-Expires parameter in pre-signed URL: %d", n)
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
		// The authenticator prints the parsed time.Time, not the parameter.
		return nil, formatErr("X-Amz-Date parameter is expired (15 minute expiration) %s", t)
	}
	return u, nil
}

// stsRegion is the authenticator's getStsRegion: "global" for the global
// endpoint, else the host's second label.
func stsRegion(host string) (string, error) {
	if host == "" {
		return "", errors.New("host is empty")
	}
	labels := strings.Split(host, ".")
	if len(labels) < 3 {
		return "", fmt.Errorf("invalid host format: %s", host)
	}
	if host == "sts.amazonaws.com" {
		return "global", nil
	}
	return labels[1], nil
}

// stsDomains are the STS domains of each partition, regular and dual-stack
// (the authenticator's GetSTSPartitionDomain / GetSTSDualStackPartitionDomain).
var stsDomains = map[string][]string{
	"aws": {"amazonaws.com", "api.aws"}, "aws-cn": {"amazonaws.com.cn", "api.amazonwebservices.com.cn"},
	"aws-us-gov": {"amazonaws.com", "api.aws"}, "aws-iso": {"c2s.ic.gov"}, "aws-iso-b": {"sc2s.sgov.gov"},
	"aws-iso-e": {"cloud.adc-e.uk"}, "aws-iso-f": {"csp.hci.ic.gov"}, "aws-eusc": {"amazonaws.eu", "api.amazonwebservices.eu"},
}

var stsResolver = sts.NewDefaultEndpointResolverV2()

// checkSTSHost is the authenticator's verifySTSHostnameFormat for a verifier
// of the given partition: the global endpoint (partition aws only), else a host
// the SDK's STS endpoint resolver yields for the host's region with FIPS and
// dual-stack on or off, whose domain belongs to the partition.
func checkSTSHost(host, partition string) error {
	region, err := stsRegion(host)
	if err != nil {
		return formatErr("could not parse region for pre-signed URL %s, %v", host, err)
	}
	if region == "global" {
		if partition == "aws" {
			return nil
		}
		return formatErr("global endpoint unsupported in partition %s", partition)
	}
	if !regionPattern.MatchString(region) {
		return formatErr("invalid region identifier format provided: %s", region)
	}
	resolved := false
	for _, fips := range []bool{true, false} {
		for _, dualStack := range []bool{true, false} {
			ep, err := stsResolver.ResolveEndpoint(context.Background(), sts.EndpointParameters{
				Region: aws.String(region), UseFIPS: aws.Bool(fips), UseDualStack: aws.Bool(dualStack)})
			resolved = resolved || err == nil && ep.URI.Host == host
		}
	}
	// (The authenticator also accepts sts.<its own region>.<partition domain>
	// for regions the SDK does not know; the resolver already yields those
	// names for any well-formed region of the commercial format.)
	if !resolved {
		return formatErr("unexpected hostname %q in pre-signed URL", host)
	}
	domain := strings.Join(strings.Split(host, ".")[2:], ".")
	for _, d := range stsDomains[partition] {
		if domain == d {
			return nil
		}
	}
	return formatErr("partition {%s} does not support hostname %s", partition, host)
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
