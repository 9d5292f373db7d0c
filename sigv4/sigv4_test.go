package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	akid   = "AKIAIOSFODNN7EXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var signTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// onServer returns r as a server receives it: written to the wire and read back.
func onServer(t *testing.T, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	return got, body
}

// headerSigned returns a POST with a form body, header-signed by aws-sdk-go-v2.
func headerSigned(t *testing.T, token string, mutate func(*http.Request)) *http.Request {
	t.Helper()
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4750/?x=1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if token != "" {
		r.Header.Set("X-Amz-Security-Token", token)
	}
	if mutate != nil {
		mutate(r)
	}
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha([]byte(body)), "sts", "us-east-1", signTime); err != nil {
		t.Fatal(err)
	}
	return r
}

func verify(t *testing.T, r *http.Request, body []byte, now time.Time, extra http.Header) error {
	t.Helper()
	req, err := Parse(r)
	if err != nil {
		return err
	}
	v := NewVerifier(func() time.Time { return now }, 15*time.Minute)
	if err := v.CheckTime(req); err != nil {
		return err
	}
	return v.VerifySignature(context.Background(), r, body, req, secret, extra)
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got %v, want sigv4 error code %d", err, code)
	}
}

const mismatchText = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

func TestHeaderSignature(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		tamper func(r *http.Request, body *[]byte)
		ok     bool
	}{
		{name: "valid", ok: true},
		{name: "valid with session token", token: "FwoGZXIvYXdzEXAMPLE//token+with/slash=", ok: true},
		{name: "unsigned header added", tamper: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Unsigned", "1") }, ok: true},
		{name: "user agent changed (never signed)", tamper: func(r *http.Request, _ *[]byte) { r.Header.Set("User-Agent", "other") }, ok: true},
		{name: "signature changed", tamper: func(r *http.Request, _ *[]byte) {
			a := r.Header.Get("Authorization")
			last := a[len(a)-1]
			r.Header.Set("Authorization", a[:len(a)-1]+map[bool]string{true: "1", false: "0"}[last == '0'])
		}},
		{name: "body changed, same length", tamper: func(_ *http.Request, b *[]byte) {
			*b = bytes.Replace(*b, []byte("Version=2011"), []byte("Version=2012"), 1)
		}},
		{name: "body truncated", tamper: func(_ *http.Request, b *[]byte) { *b = (*b)[:10] }},
		{name: "signed header changed", tamper: func(r *http.Request, _ *[]byte) { r.Header.Set("Content-Type", "application/json") }},
		{name: "signed header removed", tamper: func(r *http.Request, _ *[]byte) { r.Header.Del("Content-Type") }},
		{name: "X-Amz-Date changed", tamper: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Amz-Date", "20240102T030406Z") }},
		{name: "host changed", tamper: func(r *http.Request, _ *[]byte) { r.Host = "127.0.0.1:4751" }},
		{name: "query changed", tamper: func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "x=2" }},
		{name: "query added", tamper: func(r *http.Request, _ *[]byte) { r.URL.RawQuery += "&y=1" }},
		{name: "path changed", tamper: func(r *http.Request, _ *[]byte) { r.URL.Path = "/other" }},
		{name: "method changed", tamper: func(r *http.Request, _ *[]byte) { r.Method = http.MethodPut }},
		{name: "other region in scope", tamper: func(r *http.Request, _ *[]byte) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/us-west-2/", 1))
		}},
		{name: "other service in scope", tamper: func(r *http.Request, _ *[]byte) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/sts/", "/iam/", 1))
		}},
		{name: "fewer signed headers claimed", tamper: func(r *http.Request, _ *[]byte) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;", "", 1))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, body := onServer(t, headerSigned(t, tc.token, nil))
			if tc.tamper != nil {
				tc.tamper(r, &body)
			}
			err := verify(t, r, body, signTime, nil)
			if tc.ok {
				if err != nil {
					t.Fatalf("verification failed: %v", err)
				}
				req, _ := Parse(r)
				if req.AccessKeyID != akid || req.Region != "us-east-1" || req.Service != "sts" || req.Date != "20240102" || req.Presigned || req.SecurityToken != tc.token || !req.Time.Equal(signTime) {
					t.Fatalf("parsed %+v", req)
				}
				return
			}
			wantCode(t, err, Mismatch)
			if err.Error() != mismatchText {
				t.Fatalf("message %q", err.Error())
			}
		})
	}
}

func TestWrongSecret(t *testing.T) {
	v := NewVerifier(func() time.Time { return signTime }, 15*time.Minute)
	r, body := onServer(t, headerSigned(t, "", nil))
	req, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, v.VerifySignature(context.Background(), r, body, req, secret+"x", nil), Mismatch)
	pr := getRequest(t, presigned(t, "", nil))
	preq, err := Parse(pr)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, v.VerifySignature(context.Background(), pr, nil, preq, strings.ToLower(secret), nil), Mismatch)
	// In a presigned URL the key ID is part of the signed query string.
	other := getRequest(t, strings.Replace(presigned(t, "", nil), akid, "AKIAOTHEROTHEROTHER1", 1))
	oreq, err := Parse(other)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, v.VerifySignature(context.Background(), other, nil, oreq, secret, nil), Mismatch)
}

// TestContentSha256Header: a client that sends X-Amz-Content-Sha256 signs that
// hash; the verifier uses it as the payload hash.
func TestContentSha256Header(t *testing.T) {
	r := headerSigned(t, "", func(r *http.Request) {
		r.Header.Set("X-Amz-Content-Sha256", sha([]byte("Action=GetCallerIdentity&Version=2011-06-15")))
	})
	sr, body := onServer(t, r)
	if err := verify(t, sr, body, signTime, nil); err != nil {
		t.Fatalf("verification failed: %v", err)
	}
	sr.Header.Set("X-Amz-Content-Sha256", sha([]byte("other")))
	wantCode(t, verify(t, sr, body, signTime, nil), Mismatch)
}

func presigned(t *testing.T, token string, header http.Header) string {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:4750/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := r.URL.Query()
	q.Set("X-Amz-Expires", "60")
	r.URL.RawQuery = q.Encode()
	for k, v := range header {
		r.Header[k] = v
	}
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, EmptyPayloadHash, "sts", "us-east-1", signTime, func(o *v4.SignerOptions) { o.DisableHeaderHoisting = true })
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func getRequest(t *testing.T, rawURL string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	sr, _ := onServer(t, r)
	return sr
}

func TestPresignedSignature(t *testing.T) {
	k8s := http.Header{"X-K8s-Aws-Id": {"c1"}}
	const token = "FwoGZXIvYXdzEXAMPLE//token+with/slash="
	tests := []struct {
		name   string
		token  string
		extra  http.Header // values of signed headers not on the request
		tamper func(u string) string
		ok     bool
	}{
		{name: "valid", ok: true},
		{name: "valid with session token", token: token, ok: true},
		{name: "valid with x-k8s-aws-id", extra: k8s, ok: true},
		{name: "wrong x-k8s-aws-id", extra: http.Header{"X-K8s-Aws-Id": {"c2"}}},
		{name: "x-k8s-aws-id missing", extra: http.Header{}},
		{name: "signature changed", tamper: func(u string) string { return strings.Replace(u, "X-Amz-Signature=", "X-Amz-Signature=0", 1) }},
		{name: "action changed", tamper: func(u string) string { return strings.Replace(u, "GetCallerIdentity", "GetSessionToken", 1) }},
		{name: "parameter added", tamper: func(u string) string { return u + "&Extra=1" }},
		{name: "expires changed", tamper: func(u string) string { return strings.Replace(u, "X-Amz-Expires=60", "X-Amz-Expires=900", 1) }},
		{name: "token removed", token: token, tamper: func(u string) string {
			p, _ := url.Parse(u)
			q := p.Query()
			q.Del("X-Amz-Security-Token")
			p.RawQuery = q.Encode()
			return p.String()
		}},
		{name: "host changed", tamper: func(u string) string { return strings.Replace(u, "127.0.0.1:4750", "localhost:4750", 1) }},
		{name: "signed headers reduced", extra: k8s, tamper: func(u string) string { return strings.Replace(u, "host%3Bx-k8s-aws-id", "host", 1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var signHeaders http.Header
			if tc.extra != nil {
				signHeaders = k8s
			}
			u := presigned(t, tc.token, signHeaders)
			if tc.tamper != nil {
				u = tc.tamper(u)
			}
			r := getRequest(t, u)
			err := verify(t, r, nil, signTime.Add(14*time.Minute), tc.extra)
			if tc.ok {
				if err != nil {
					t.Fatalf("verification of %s failed: %v", u, err)
				}
				req, _ := Parse(r)
				if !req.Presigned || req.Expires != 60 || req.SecurityToken != tc.token {
					t.Fatalf("parsed %+v", req)
				}
				return
			}
			wantCode(t, err, Mismatch)
		})
	}
}

// The worked vectors of ../shared/reference/authenticator.md §6.1.
const vectorQuery = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240102%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20240102T030405Z&X-Amz-Expires=60"

func TestAuthenticatorVectors(t *testing.T) {
	tests := []struct {
		name, url, cluster string
		ok                 bool
	}{
		{"c1", "https://sts.us-east-1.amazonaws.com/?" + vectorQuery + "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=fcc04e1684a92bcdc64a4b83cf2a5c6c714033403b4dd8d75d5f9d9e66d1d915", "c1", true},
		{"c2 (wrong cluster)", "https://sts.us-east-1.amazonaws.com/?" + vectorQuery + "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=fcc04e1684a92bcdc64a4b83cf2a5c6c714033403b4dd8d75d5f9d9e66d1d915", "c2", false},
		{"c2 with c2's signature", "https://sts.us-east-1.amazonaws.com/?" + vectorQuery + "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=990e7062ed9b7d82916ab931ae4a43f26db854668e8d94e6024f265edfd65681", "c2", true},
		{"session token (Go order)", "https://sts.us-east-1.amazonaws.com/?" + vectorQuery + "&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2F%2Ftoken%2Bwith%2Fslash%3D&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=3e49f3244ad901ed11a170fcb03d8a8186f631b5b7767d4bc40aa2390c8f0eaa", "c1", true},
		{"session token (botocore order)", "https://sts.us-east-1.amazonaws.com/?" + vectorQuery + "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2F%2Ftoken%2Bwith%2Fslash%3D&X-Amz-Signature=3e49f3244ad901ed11a170fcb03d8a8186f631b5b7767d4bc40aa2390c8f0eaa", "c1", true},
		{"custom endpoint", "http://127.0.0.1:9999/?" + vectorQuery + "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=46ba8587490a634893a8fda621a806550f1895de6ade7c66e7dbde204e28336d", "c1", true},
		{"custom endpoint, wrong port", "http://127.0.0.1:9998/?" + vectorQuery + "&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=46ba8587490a634893a8fda621a806550f1895de6ade7c66e7dbde204e28336d", "c1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Both as a client-side request (absolute URL) and as a server sees it.
			direct, err := http.NewRequest(http.MethodGet, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*http.Request{direct, getRequest(t, tc.url)} {
				err := verify(t, r, nil, signTime, http.Header{"X-K8s-Aws-Id": {tc.cluster}})
				if tc.ok && err != nil {
					t.Fatalf("verification failed: %v", err)
				}
				if !tc.ok {
					wantCode(t, err, Mismatch)
				}
			}
		})
	}
	// An independent implementation of the recipe gives the same signatures.
	for cluster, want := range map[string]string{
		"c1": "fcc04e1684a92bcdc64a4b83cf2a5c6c714033403b4dd8d75d5f9d9e66d1d915",
		"c2": "990e7062ed9b7d82916ab931ae4a43f26db854668e8d94e6024f265edfd65681",
	} {
		got := referenceSignature("GET", "/", vectorQuery+"&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id",
			[][2]string{{"host", "sts.us-east-1.amazonaws.com"}, {"x-k8s-aws-id", cluster}}, EmptyPayloadHash, "20240102T030405Z", "us-east-1", "sts")
		if got != want {
			t.Errorf("reference signature for %s = %s, want %s", cluster, got, want)
		}
	}
}

// referenceSignature computes SigV4 by the book (IAM User Guide, "Create a
// signed AWS API request"), independently of aws-sdk-go-v2. query must be
// canonical already; headers are lower-case and sorted.
func referenceSignature(method, path, query string, headers [][2]string, payload, amzDate, region, service string) string {
	var canon, names strings.Builder
	for i, h := range headers {
		canon.WriteString(h[0] + ":" + h[1] + "\n")
		if i > 0 {
			names.WriteString(";")
		}
		names.WriteString(h[0])
	}
	creq := strings.Join([]string{method, path, query, canon.String(), names.String(), payload}, "\n")
	scope := amzDate[:8] + "/" + region + "/" + service + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + sha([]byte(creq))
	key := []byte("AWS4" + secret)
	for _, part := range []string{amzDate[:8], region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(hmacSHA256(key, sts))
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func() *http.Request
		code  Code
		msg   string
	}{
		{"nothing", func() *http.Request { return httpReq("GET", "/", nil) }, Missing, "Request is missing Authentication Token"},
		{"other algorithm", func() *http.Request {
			return httpReq("GET", "/", http.Header{"Authorization": {"AWS AKID:sig"}})
		}, Incomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS AKID:sig"},
		{"missing fields", func() *http.Request {
			return httpReq("GET", "/", http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=a/20240102/us-east-1/sts/aws4_request"}})
		}, Incomplete, "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=a/20240102/us-east-1/sts/aws4_request"},
		{"bad scope", func() *http.Request {
			return httpReq("GET", "/", http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=a/20240102/us-east-1/sts, SignedHeaders=host, Signature=00"}, "X-Amz-Date": {"20240102T030405Z"}})
		}, Incomplete, "Credential should be scoped to a valid region, not 'a/20240102/us-east-1/sts'. "},
		{"bad date", func() *http.Request {
			return httpReq("GET", "/", http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=a/20240102/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"}, "X-Amz-Date": {"2024-01-02T03:04:05Z"}})
		}, Incomplete, "Date must be in ISO-8601 'basic format'. Got '2024-01-02T03:04:05Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"query incomplete", func() *http.Request {
			return httpReq("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20240102%2Fus-east-1%2Fsts%2Faws4_request", nil)
		}, Incomplete, "AWS query-string parameters must include 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"query algorithm", func() *http.Request {
			return httpReq("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA512&X-Amz-Credential=a%2F20240102%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Signature=00&X-Amz-SignedHeaders=host&X-Amz-Date=20240102T030405Z", nil)
		}, Incomplete, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"negative expiry", func() *http.Request {
			return httpReq("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20240102%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Signature=00&X-Amz-SignedHeaders=host&X-Amz-Date=20240102T030405Z&X-Amz-Expires=-1", nil)
		}, Incomplete, "X-Amz-Expires must be a non-negative integer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.build())
			wantCode(t, err, tc.code)
			if err.Error() != tc.msg {
				t.Fatalf("message\n  %q\nwant\n  %q", err.Error(), tc.msg)
			}
		})
	}
}

func httpReq(method, target string, h http.Header) *http.Request {
	r, err := http.NewRequest(method, "http://127.0.0.1:4750"+target, nil)
	if err != nil {
		panic(err)
	}
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}

func TestSkewWindow(t *testing.T) {
	req := &Request{Time: signTime}
	tests := []struct {
		now  time.Time
		code Code // 0: accepted
		msg  string
	}{
		{now: signTime},
		{now: signTime.Add(15 * time.Minute)},
		{now: signTime.Add(-15 * time.Minute)},
		{now: signTime.Add(15*time.Minute + time.Second), code: Expired,
			msg: "Signature expired: 20240102T030405Z is now earlier than 20240102T030406Z (20240102T031906Z - 15 min.)"},
		{now: signTime.Add(2 * time.Hour), code: Expired,
			msg: "Signature expired: 20240102T030405Z is now earlier than 20240102T044905Z (20240102T050405Z - 15 min.)"},
		{now: signTime.Add(-15*time.Minute - time.Second), code: NotYetCurrent,
			msg: "Signature not yet current: 20240102T030405Z is still later than 20240102T030404Z (20240102T024904Z + 15 min.)"},
		// The clock's zone does not matter.
		{now: signTime.In(time.FixedZone("x", 5*3600)).Add(16 * time.Minute), code: Expired,
			msg: "Signature expired: 20240102T030405Z is now earlier than 20240102T030505Z (20240102T032005Z - 15 min.)"},
	}
	for _, tc := range tests {
		v := NewVerifier(func() time.Time { return tc.now }, 15*time.Minute)
		err := v.CheckTime(req)
		if tc.code == 0 {
			if err != nil {
				t.Errorf("now %s: %v", tc.now, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Message != tc.msg {
			t.Errorf("now %s: got %v, want code %d %q", tc.now, err, tc.code, tc.msg)
		}
	}
}

func TestScopeOf(t *testing.T) {
	r, _ := onServer(t, headerSigned(t, "", nil))
	if s, reg, ok := ScopeOf(r); !ok || s != "sts" || reg != "us-east-1" {
		t.Fatalf("ScopeOf(header) = %q %q %v", s, reg, ok)
	}
	if s, reg, ok := ScopeOf(getRequest(t, presigned(t, "", nil))); !ok || s != "sts" || reg != "us-east-1" {
		t.Fatalf("ScopeOf(presigned) = %q %q %v", s, reg, ok)
	}
	if _, _, ok := ScopeOf(httpReq("GET", "/", nil)); ok {
		t.Fatalf("ScopeOf(unsigned) ok")
	}
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// TestVerifyDoesNotTouchTheRequest verifies one request from several
// goroutines at once (run with -race): verification only reads the request.
func TestVerifyDoesNotTouchTheRequest(t *testing.T) {
	r, body := onServer(t, headerSigned(t, "FwoGZXIvYXdzEXAMPLE//token+with/slash=", nil))
	req, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	before := r.Header.Clone()
	v := NewVerifier(func() time.Time { return signTime }, 15*time.Minute)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, _, _ = ScopeOf(r)
			errs <- v.VerifySignature(context.Background(), r, body, req, secret, nil)
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent verification: %v", err)
		}
	}
	for k, vs := range before {
		if !slices.Equal(r.Header[k], vs) {
			t.Fatalf("header %s changed from %q to %q", k, vs, r.Header[k])
		}
	}
}
