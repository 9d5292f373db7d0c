package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	algorithm     = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
	// EmptyPayloadHash is hex(SHA-256("")).
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Code says why a request failed verification; each wire dialect names it its own way.
type Code int

// Codes.
const (
	// Missing: the request carries no signature at all.
	Missing Code = iota + 1
	// Incomplete: the Authorization header or query is malformed.
	Incomplete
	// Mismatch: the recomputed signature differs.
	Mismatch
	// Expired: X-Amz-Date is older than the allowed skew.
	Expired
	// NotYetCurrent: X-Amz-Date is later than the allowed skew.
	NotYetCurrent
)

// Error is a verification failure. Message is the text AWS uses.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// Request is the signature information of a request, parsed but not verified.
type Request struct {
	AccessKeyID string
	// Date, Region and Service are the credential scope.
	Date    string
	Region  string
	Service string
	// Time is X-Amz-Date.
	Time          time.Time
	SignedHeaders []string
	Signature     string
	// SecurityToken is X-Amz-Security-Token (header or query), if any.
	SecurityToken string
	Presigned     bool
	// Expires is X-Amz-Expires for presigned requests (-1 when absent).
	Expires int
}

// Parse extracts the signature fields of r without checking them.
func Parse(r *http.Request) (*Request, error) {
	q := r.URL.Query()
	if auth := r.Header.Get("Authorization"); auth != "" {
		return parseHeader(r, auth)
	}
	if q.Get("X-Amz-Algorithm") != "" || q.Get("X-Amz-Signature") != "" || q.Get("X-Amz-Credential") != "" {
		return parseQuery(q)
	}
	return nil, &Error{Code: Missing, Message: "Request is missing Authentication Token"}
}

func parseHeader(r *http.Request, auth string) (*Request, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != algorithm {
		return nil, &Error{Code: Incomplete, Message: fmt.Sprintf("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", auth)}
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if fields[k] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", k))
		}
	}
	date := r.Header.Get("X-Amz-Date")
	if date == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, &Error{Code: Incomplete, Message: strings.Join(missing, " ") + " Authorization=" + auth}
	}
	req := &Request{Signature: fields["Signature"], SignedHeaders: strings.Split(fields["SignedHeaders"], ";"),
		SecurityToken: r.Header.Get("X-Amz-Security-Token"), Expires: -1}
	if err := req.setCredential(fields["Credential"]); err != nil {
		return nil, err
	}
	return req, req.setTime(date)
}

func parseQuery(q url.Values) (*Request, error) {
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if q.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, &Error{Code: Incomplete, Message: "AWS query-string parameters must include " + strings.Join(quoteAll(missing), ", ") + ". Re-examine the query-string parameters."}
	}
	if q.Get("X-Amz-Algorithm") != algorithm {
		return nil, &Error{Code: Incomplete, Message: "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""}
	}
	req := &Request{Signature: q.Get("X-Amz-Signature"), SignedHeaders: strings.Split(q.Get("X-Amz-SignedHeaders"), ";"),
		SecurityToken: q.Get("X-Amz-Security-Token"), Presigned: true, Expires: -1}
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 0 {
			return nil, &Error{Code: Incomplete, Message: "X-Amz-Expires must be a non-negative integer"}
		}
		req.Expires = n
	}
	if err := req.setCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	return req, req.setTime(q.Get("X-Amz-Date"))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "'" + s + "'"
	}
	return out
}

func (req *Request) setCredential(cred string) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" {
		return &Error{Code: Incomplete, Message: fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. ", cred)}
	}
	req.AccessKeyID, req.Date, req.Region, req.Service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func (req *Request) setTime(v string) error {
	t, err := time.Parse(amzDateFormat, v)
	if err != nil {
		return &Error{Code: Incomplete, Message: fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v)}
	}
	req.Time = t
	return nil
}

// ScopeOf returns the credential scope's service and region of r, if r is signed.
func ScopeOf(r *http.Request) (service, region string, ok bool) {
	req, err := Parse(r)
	if err != nil {
		return "", "", false
	}
	return req.Service, req.Region, true
}

// Verifier checks signatures and the clock skew.
type Verifier struct {
	Now func() time.Time
	// MaxSkew bounds |now - X-Amz-Date|. AWS allows 15 minutes.
	MaxSkew time.Duration
	signer  *v4.Signer
}

// NewVerifier returns a Verifier with the given clock and skew.
func NewVerifier(now func() time.Time, skew time.Duration) *Verifier {
	return &Verifier{Now: now, MaxSkew: skew, signer: v4.NewSigner()}
}

// CheckTime enforces the skew window on X-Amz-Date (STS's texts).
func (v *Verifier) CheckTime(req *Request) error {
	now := v.Now().UTC()
	minutes := int(v.MaxSkew / time.Minute)
	if req.Time.Before(now.Add(-v.MaxSkew)) {
		return &Error{Code: Expired, Message: fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
			req.Time.Format(amzDateFormat), now.Add(-v.MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat), minutes)}
	}
	if req.Time.After(now.Add(v.MaxSkew)) {
		return &Error{Code: NotYetCurrent, Message: fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
			req.Time.Format(amzDateFormat), now.Add(v.MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat), minutes)}
	}
	return nil
}

// mismatch is the SignatureDoesNotMatch text shared by every AWS service.
var mismatch = &Error{Code: Mismatch, Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}

// VerifySignature recomputes the signature of r (whose body is body) with secret
// and compares it with the one r carries. extraHeaders supplies values of signed
// headers that are not on r (the x-k8s-aws-id header of EKS tokens).
func (v *Verifier) VerifySignature(ctx context.Context, r *http.Request, body []byte, req *Request, secret string, extraHeaders http.Header) error {
	rebuilt := &http.Request{Method: r.Method, Header: http.Header{}, Host: r.Host}
	u := *r.URL
	u.Scheme = "http"
	if r.URL.Scheme != "" {
		u.Scheme = r.URL.Scheme
	}
	u.Host = r.Host
	if req.Presigned {
		q := r.URL.Query()
		q.Del("X-Amz-Signature")
		u.RawQuery = q.Encode()
	}
	rebuilt.URL = &u
	for _, h := range req.SignedHeaders {
		switch h {
		case "host":
		case "content-length":
			n, err := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
			if err != nil {
				n = r.ContentLength
			}
			rebuilt.ContentLength = n
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				vals = extraHeaders.Values(h)
			}
			if len(vals) == 0 {
				return mismatch
			}
			// A copy: the signer rewrites X-Amz-Date and X-Amz-Security-Token in
			// place, which must not touch r's (or extraHeaders') values.
			rebuilt.Header[http.CanonicalHeaderKey(h)] = slices.Clone(vals)
		}
	}
	creds := aws.Credentials{AccessKeyID: req.AccessKeyID, SecretAccessKey: secret}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	var got string
	if req.Presigned {
		signed, _, err := v.signer.PresignHTTP(ctx, creds, rebuilt, payload, req.Service, req.Region, req.Time, func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
		if err != nil {
			return mismatch
		}
		su, err := url.Parse(signed)
		if err != nil {
			return mismatch
		}
		if su.Query().Get("X-Amz-SignedHeaders") != strings.Join(req.SignedHeaders, ";") {
			return mismatch
		}
		got = su.Query().Get("X-Amz-Signature")
	} else {
		if err := v.signer.SignHTTP(ctx, creds, rebuilt, payload, req.Service, req.Region, req.Time); err != nil {
			return mismatch
		}
		fields := rebuilt.Header.Get("Authorization")
		i := strings.LastIndex(fields, "Signature=")
		if i < 0 || !strings.Contains(fields, "SignedHeaders="+strings.Join(req.SignedHeaders, ";")+",") {
			return mismatch
		}
		got = fields[i+len("Signature="):]
	}
	if !hmac.Equal([]byte(got), []byte(req.Signature)) {
		return mismatch
	}
	return nil
}
