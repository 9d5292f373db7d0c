package authn

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestAWSRequest checks the shared core on a header-signed AWS API request,
// including the credential-scope date that the signer alone would not catch.
func TestAWSRequest(t *testing.T) {
	e := newEnv(t)
	_, alice := e.user(t, "alice", "/")
	_, short := e.assume(t, alice, e.role(t, "dev", "/"), "short", 15*time.Minute)
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	sign := func(creds aws.Credentials, at time.Time) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4750/", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex(body), "sts", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		return r
	}
	tamper := func(r *http.Request, old, new string) *http.Request {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		return r
	}
	cases := []struct {
		name   string
		req    *http.Request
		now    time.Time
		reason Reason
		msg    string
	}{
		{"valid", sign(alice, t0), t0, 0, ""},
		{"credential date differs from X-Amz-Date", tamper(sign(alice, t0), "/20240102/", "/20240101/"), t0, ReasonSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240101' != '20240102', from '20240102T030405Z'. "},
		{"wrong secret", sign(aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "x"}, t0), t0, ReasonSignature, msgMismatch},
		{"unknown key", sign(aws.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: "x"}, t0), t0, ReasonUnknownKey,
			"The security token included in the request is invalid."},
		{"expired session", sign(short, t0.Add(20*time.Minute)), t0.Add(20 * time.Minute), ReasonExpiredToken,
			"The security token included in the request is expired"},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4750/", nil)
			return r
		}(), t0, ReasonMissing,
			"Request is missing Authentication Token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Set(c.now)
			caller, err := e.aws.Request(e.ctx, c.req, body)
			if c.reason == 0 {
				if err != nil || caller.AccessKeyID != alice.AccessKeyID || !strings.HasSuffix(caller.ARN, ":user/alice") {
					t.Fatalf("caller %+v, %v", caller, err)
				}
				return
			}
			var f *Failure
			if !errors.As(err, &f) || f.Reason != c.reason || f.Message != c.msg {
				t.Errorf("got %#v, want reason %d %q", err, c.reason, c.msg)
			}
		})
	}
}
