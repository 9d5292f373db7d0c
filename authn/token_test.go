package authn

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/store"
)

// TestVerifyWorkedVector is authenticator.md §6.1: the SDK presigner, the
// hand-built URL and the independent recipe all give the documented token and
// signatures, and the verifier accepts the token for c1 only.
func TestVerifyWorkedVector(t *testing.T) {
	e := newEnv(t)
	if got := mintToken(t, rootCreds, "c1", t0, mintOpts{}); got != vectorToken {
		t.Errorf("SDK-minted token differs from §6.1:\n got %s\nwant %s", got, vectorToken)
	}
	if got := presign(t, urlSpec{}); got != vectorURL {
		t.Errorf("hand-built URL differs from §6.1:\n got %s\nwant %s", got, vectorURL)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(vectorToken, TokenPrefix)); err != nil || string(raw) != vectorURL {
		t.Errorf("§6.1 token does not decode to the §6.1 URL: %q, %v", raw, err)
	}

	// The test's own recipe reproduces every §6.1 signature (it is the oracle of FuzzTokenVerify).
	u, _ := url.Parse(vectorURL)
	sessionURL, _ := url.Parse(strings.Replace(vectorURL, "&X-Amz-SignedHeaders", "&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2F%2Ftoken%2Bwith%2Fslash%3D&X-Amz-SignedHeaders", 1))
	ownURL, _ := url.Parse(strings.Replace(vectorURL, "https://sts.us-east-1.amazonaws.com", "http://127.0.0.1:9999", 1))
	for _, v := range []struct {
		name    string
		u       *url.URL
		cluster string
		want    string
	}{
		{"c1", u, "c1", "fcc04e1684a92bcdc64a4b83cf2a5c6c714033403b4dd8d75d5f9d9e66d1d915"},
		{"c2", u, "c2", vectorSigC2},
		{"session token", sessionURL, "c1", vectorSigToken},
		{"own endpoint", ownURL, "c1", vectorSigOwn},
	} {
		if got, err := oracleSignature(v.u, v.cluster, rootSecret); err != nil || got != v.want {
			t.Errorf("oracle %s: got %s, %v; want %s", v.name, got, err, v.want)
		}
	}

	e.clock.Set(t0)
	id, err := e.verifier.Verify(e.ctx, vectorToken, "c1")
	if err != nil {
		t.Fatalf("§6.1 token for c1: %v", err)
	}
	want := Identity{ARN: "arn:aws:iam::111122223333:root", CanonicalARN: "arn:aws:iam::111122223333:root", AccountID: testAccount,
		UserID: testAccount, SessionName: "", AccessKeyID: rootKeyID}
	if got := stripCaller(id); got != want {
		t.Errorf("identity = %+v, want %+v", got, want)
	}
	if id.Caller.Type != awsid.TypeRoot || id.Caller.PrincipalID != testAccount {
		t.Errorf("caller = %+v, want the account root", id.Caller)
	}

	_, err = e.verifier.Verify(e.ctx, vectorToken, "c2")
	if want := stsFailure("us-east-1", 403, "SignatureDoesNotMatch", msgMismatch); errText(err) != want {
		t.Errorf("§6.1 token at c2:\n got %s\nwant %s", errText(err), want)
	}

	// The AWS_ENDPOINT_URL_STS variant verifies at a verifier that owns 127.0.0.1:9999.
	own := NewTokenVerifier(e.aws, e.clock.Now, "127.0.0.1:9999")
	if _, err := own.Verify(e.ctx, encodeToken(strings.Replace(ownURL.String(), "fcc04e1684a92bcdc64a4b83cf2a5c6c714033403b4dd8d75d5f9d9e66d1d915", vectorSigOwn, 1)), "c1"); err != nil {
		t.Errorf("§6.1 own-endpoint variant: %v", err)
	}
}

func stripCaller(id Identity) Identity {
	id.Caller = store.Caller{}
	return id
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestVerifyFormatChecks covers authenticator.md §2 checks 1–17 with their texts.
func TestVerifyFormatChecks(t *testing.T) {
	e := newEnv(t)
	body := strings.TrimPrefix(vectorToken, TokenPrefix)
	padded := base64.URLEncoding.EncodeToString([]byte(vectorURL))
	if !strings.HasSuffix(padded, "=") {
		t.Fatal("the §6.1 URL needs padding for this test")
	}
	replace := func(old, new string) string {
		if !strings.Contains(vectorURL, old) {
			t.Fatalf("%q not in the §6.1 URL", old)
		}
		return encodeToken(strings.Replace(vectorURL, old, new, 1))
	}
	host := func(h string) string { return replace("sts.us-east-1.amazonaws.com", h) }
	const fp = fmtPrefix

	cases := []struct {
		name  string
		token string
		own   bool
		now   time.Time // zero = t0 + 1 min
		want  string
	}{
		{"too large", TokenPrefix + strings.Repeat("A", maxTokenLen-len(TokenPrefix)+1), false, time.Time{}, fp + "token is too large"},
		{"4096 bytes is not too large", TokenPrefix + strings.Repeat("A", maxTokenLen-len(TokenPrefix)), false, time.Time{}, fp + "illegal base64 data at input byte 4084"},
		{"missing prefix", "k8s-aws-v2." + body, false, time.Time{}, fp + `token is missing expected "k8s-aws-v1." prefix`},
		{"no prefix at all", body, false, time.Time{}, fp + `token is missing expected "k8s-aws-v1." prefix`},
		{"padded base64", TokenPrefix + padded, false, time.Time{}, fp + "illegal base64 data at input byte 482"},
		{"standard alphabet", TokenPrefix + "aHR0+cHM", false, time.Time{}, fp + "illegal base64 data at input byte 4"},
		{"url.Parse error", encodeToken(":ab"), false, time.Time{}, fp + `parse ":ab": missing protocol scheme`},
		{"http scheme", replace("https://", "http://"), false, time.Time{}, fp + `unexpected scheme "http" in pre-signed URL`},
		{"no scheme", replace("https:", ""), false, time.Time{}, fp + `unexpected scheme "" in pre-signed URL`},
		{"own host over http, not configured", replace("https://sts.us-east-1.amazonaws.com", "http://"+ownHost), false, time.Time{}, fp + `unexpected scheme "http" in pre-signed URL`},
		{"own host over https, not configured", host(ownHost), false, time.Time{}, fp + `unexpected hostname "127.0.0.1:4750" in pre-signed URL`},
		{"other port of own host", replace("https://sts.us-east-1.amazonaws.com", "http://127.0.0.1:4751"), true, time.Time{}, fp + `unexpected scheme "http" in pre-signed URL`},
		{"two labels", host("evil.com"), false, time.Time{}, fp + "could not parse region for pre-signed URL evil.com, invalid host format: evil.com"},
		{"empty host", replace("sts.us-east-1.amazonaws.com", ""), false, time.Time{}, fp + "could not parse region for pre-signed URL , host is empty"},
		{"bad region label", host("sts.us_east-1.amazonaws.com"), false, time.Time{}, fp + "invalid region identifier format provided: us_east-1"},
		{"foreign host", host("sts.example.com"), false, time.Time{}, fp + `unexpected hostname "sts.example.com" in pre-signed URL`},
		{"STS host as prefix", host("sts.us-east-1.amazonaws.com.evil.com"), false, time.Time{}, fp + `unexpected hostname "sts.us-east-1.amazonaws.com.evil.com" in pre-signed URL`},
		{"host with port", host("sts.us-east-1.amazonaws.com:443"), false, time.Time{}, fp + `unexpected hostname "sts.us-east-1.amazonaws.com:443" in pre-signed URL`},
		{"other service", host("iam.us-east-1.amazonaws.com"), false, time.Time{}, fp + `unexpected hostname "iam.us-east-1.amazonaws.com" in pre-signed URL`},
		{"China domain for a commercial region", host("sts.us-east-1.amazonaws.com.cn"), false, time.Time{}, fp + `unexpected hostname "sts.us-east-1.amazonaws.com.cn" in pre-signed URL`},
		{"GovCloud FIPS is not sts-fips", host("sts-fips.us-gov-west-1.amazonaws.com"), false, time.Time{}, fp + `unexpected hostname "sts-fips.us-gov-west-1.amazonaws.com" in pre-signed URL`},
		{"China host in partition aws", host("sts.cn-north-1.amazonaws.com.cn"), false, time.Time{}, fp + "partition {aws} does not support hostname sts.cn-north-1.amazonaws.com.cn"},
		{"upper-case host", host("STS.US-EAST-1.AMAZONAWS.COM"), false, time.Time{}, fp + `unexpected hostname "STS.US-EAST-1.AMAZONAWS.COM" in pre-signed URL`},
		{"path", replace(".com/?", ".com/foo?"), false, time.Time{}, fp + "unexpected path in pre-signed URL"},
		{"empty path", replace(".com/?", ".com?"), false, time.Time{}, fp + "unexpected path in pre-signed URL"},
		{"bad escape in query", replace("&Version=", "&%zz=1&Version="), false, time.Time{}, fp + "malformed query parameter"},
		{"semicolon in query", replace("&Version=", ";Version="), false, time.Time{}, fp + "malformed query parameter"},
		{"non-whitelisted", replace("&Version=", "&Foo=bar&Version="), false, time.Time{}, fp + `non-whitelisted query parameter "Foo"`},
		{"multi-valued", replace("&Version=", "&Action=GetCallerIdentity&Version="), false, time.Time{}, fp + "query parameter with multiple values not supported"},
		{"other action", replace("Action=GetCallerIdentity", "Action=AssumeRole"), false, time.Time{}, fp + "unexpected action parameter in pre-signed URL"},
		{"action value is case-sensitive", replace("Action=GetCallerIdentity", "Action=getcalleridentity"), false, time.Time{}, fp + "unexpected action parameter in pre-signed URL"},
		{"no action", replace("Action=GetCallerIdentity&", ""), false, time.Time{}, fp + "unexpected action parameter in pre-signed URL"},
		{"x-k8s-aws-id not signed", replace("host%3Bx-k8s-aws-id", "host"), false, time.Time{}, fp + "client did not sign the x-k8s-aws-id header in the pre-signed URL"},
		{"no signed headers", replace("&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id", ""), false, time.Time{}, fp + "client did not sign the x-k8s-aws-id header in the pre-signed URL"},
		{"expires 901", replace("X-Amz-Expires=60", "X-Amz-Expires=901"), false, time.Time{}, fp + "invalid X-Amz-Expires parameter in pre-signed URL: 901"},
		{"expires -1", replace("X-Amz-Expires=60", "X-Amz-Expires=-1"), false, time.Time{}, fp + "invalid X-Amz-Expires parameter in pre-signed URL: -1"},
		{"expires not a number", replace("X-Amz-Expires=60", "X-Amz-Expires=abc"), false, time.Time{}, fp + "invalid X-Amz-Expires parameter in pre-signed URL: 0"},
		{"expires absent", replace("&X-Amz-Expires=60", ""), false, time.Time{}, fp + "invalid X-Amz-Expires parameter in pre-signed URL: 0"},
		{"date absent", replace("&X-Amz-Date=20240102T030405Z", ""), false, time.Time{}, fp + "X-Amz-Date parameter must be present in pre-signed URL"},
		{"date unparsable", replace("X-Amz-Date=20240102T030405Z", "X-Amz-Date=2024-01-02T03:04:05Z"), false, time.Time{},
			fp + `error parsing X-Amz-Date parameter 2024-01-02T03:04:05Z into format 20060102T150405Z: parsing time "2024-01-02T03:04:05Z" as "20060102T150405Z": cannot parse "-01-02T03:04:05Z" as "01"`},
		{"date expired", vectorToken, false, t0.Add(15*time.Minute + time.Second), fp + "X-Amz-Date parameter is expired (15 minute expiration) 2024-01-02 03:04:05 +0000 UTC"},
		{"expired beats a bad signature", replace("X-Amz-Signature=fcc0", "X-Amz-Signature=0000"), false, t0.Add(time.Hour), fp + "X-Amz-Date parameter is expired (15 minute expiration) 2024-01-02 03:04:05 +0000 UTC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := c.now
			if now.IsZero() {
				now = t0.Add(time.Minute)
			}
			e.clock.Set(now)
			v := e.verifier
			if c.own {
				v = e.own
			}
			_, err := v.Verify(e.ctx, c.token, "c1")
			if errText(err) != c.want {
				t.Errorf("\n got %s\nwant %s", errText(err), c.want)
			}
			var te *TokenError
			if !errors.As(err, &te) {
				t.Errorf("error %T is not a *TokenError", err)
			}
		})
	}
}

// TestVerifyDuplicateParameters: the duplicate check runs over all keys before
// the allow-list (validateDuplicateParameters), so a case-variant duplicate is
// reported as such whatever the map order, and the reported key is either variant.
func TestVerifyDuplicateParameters(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(t0.Add(time.Minute))
	for _, c := range []struct {
		extra string
		want  []string
	}{
		{"&action=GetCallerIdentity", []string{`"Action"`, `"action"`}},
		{"&x-amz-credential=x", []string{`"X-Amz-Credential"`, `"x-amz-credential"`}},
		{"&Foo=1&foo=2", []string{`"Foo"`, `"foo"`}},
		{"&Zed=1&zed=2&Other=3", []string{`"Zed"`, `"zed"`}},
	} {
		tok := encodeToken(vectorURL + c.extra)
		for range 50 { // map order is random: repeat to catch order dependence
			_, err := e.verifier.Verify(e.ctx, tok, "c1")
			ok := false
			for _, w := range c.want {
				ok = ok || errText(err) == fmtPrefix+"duplicate query parameter found: "+w
			}
			if !ok {
				t.Fatalf("%s: got %s, want a duplicate error naming one of %v", c.extra, errText(err), c.want)
			}
		}
	}
}

// TestVerifySTS covers what STS decides (emulated offline): key, session token,
// expiry, credential scope, clock window and signature (authenticator.md §5.4, §6, §9).
func TestVerifySTS(t *testing.T) {
	e := newEnv(t)
	_, alice := e.user(t, "alice", "/")
	_, gone := e.user(t, "gone", "/")
	_, keyless := e.user(t, "keyless", "/")
	role := e.role(t, "dev", "/")
	_, sess := e.assume(t, alice, role, "s1", 0)
	_, short := e.assume(t, alice, role, "short", 15*time.Minute) // expires t0+15m

	goneTok := mintToken(t, gone, "c1", t0, mintOpts{})
	if err := e.db.DeleteAccessKey(e.ctx, testAccount, "gone", gone.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.DeleteUser(e.ctx, testAccount, "gone"); err != nil {
		t.Fatal(err)
	}
	keylessTok := mintToken(t, keyless, "c1", t0, mintOpts{})
	if err := e.db.DeleteAccessKey(e.ctx, testAccount, "keyless", keyless.AccessKeyID); err != nil {
		t.Fatal(err)
	}

	sessURL := mintURL(t, sess, "c1", t0, mintOpts{})
	escToken := url.QueryEscape(sess.SessionToken)
	if !strings.Contains(sessURL, "X-Amz-Security-Token="+escToken) {
		t.Fatalf("session URL lacks its token: %s", sessURL)
	}
	sessNoToken := encodeToken(strings.Replace(sessURL, "&X-Amz-Security-Token="+escToken, "", 1))
	sessWrongToken := encodeToken(strings.Replace(sessURL, "X-Amz-Security-Token="+escToken, "X-Amz-Security-Token=AQoDYXdzEPT%2F%2F%2Fwrong", 1))
	rootWithToken := encodeToken(strings.Replace(vectorURL, "&X-Amz-SignedHeaders", "&X-Amz-Security-Token=abc&X-Amz-SignedHeaders", 1))

	invalid := stsFailure("us-east-1", 403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	mismatch := stsFailure("us-east-1", 403, "SignatureDoesNotMatch", msgMismatch)
	cases := []struct {
		name    string
		token   string
		cluster string    // "" = c1
		now     time.Time // zero = t0 + 1 min
		want    string
	}{
		{"token for c1 at c2", vectorToken, "c2", time.Time{}, mismatch},
		{"cluster names are case-sensitive", vectorToken, "C1", time.Time{}, mismatch},
		{"wrong secret", encodeToken(presign(t, urlSpec{creds: aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: "not-the-secret"}})), "", time.Time{}, mismatch},
		{"tampered signature", encodeToken(strings.Replace(vectorURL, "X-Amz-Signature=fcc0", "X-Amz-Signature=fcc1", 1)), "", time.Time{}, mismatch},
		{"unknown key", encodeToken(presign(t, urlSpec{creds: aws.Credentials{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: "x"}})), "", time.Time{}, invalid},
		{"key of a deleted user", goneTok, "", time.Time{}, invalid},
		{"deleted key", keylessTok, "", time.Time{}, invalid},
		{"session without its token", sessNoToken, "", time.Time{}, invalid},
		{"session with a wrong token", sessWrongToken, "", time.Time{}, invalid},
		{"long-term key with a session token", rootWithToken, "", time.Time{}, invalid},
		{"expired session", mintToken(t, short, "c1", t0.Add(15*time.Minute+30*time.Second), mintOpts{}), "", t0.Add(16 * time.Minute),
			stsFailure("us-east-1", 403, "ExpiredToken", "The security token included in the request is expired")},
		{"signature not yet current", vectorToken, "", t0.Add(-16 * time.Minute),
			stsFailure("us-east-1", 403, "SignatureDoesNotMatch", "Signature not yet current: 20240102T030405Z is still later than 20240102T030305Z (20240102T024805Z + 15 min.)")},
		{"scope service", encodeToken(presign(t, urlSpec{service: "s3"})), "", time.Time{},
			stsFailure("us-east-1", 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ")},
		{"scope region differs from the host's", encodeToken(presign(t, urlSpec{region: "us-west-2"})), "", time.Time{},
			stsFailure("us-east-1", 403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'us-west-2'. ")},
		{"global host wants us-east-1", encodeToken(presign(t, urlSpec{host: "sts.amazonaws.com", region: "eu-west-1"})), "", time.Time{},
			stsFailure("global", 403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'eu-west-1'. ")},
		{"scope date differs from X-Amz-Date", encodeToken(strings.Replace(vectorURL, "%2F20240102%2F", "%2F20240101%2F", 1)), "", time.Time{},
			stsFailure("us-east-1", 403, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240101' != '20240102', from '20240102T030405Z'. ")},
		{"another signed header", encodeToken(strings.Replace(vectorURL, "host%3Bx-k8s-aws-id", "host%3Bx-extra%3Bx-k8s-aws-id", 1)), "", time.Time{}, mismatch},
		{"signed header name in upper case", encodeToken(strings.Replace(vectorURL, "host%3Bx-k8s-aws-id", "host%3BX-K8S-AWS-ID", 1)), "", time.Time{}, mismatch},
		{"no X-Amz-Algorithm", encodeToken(strings.Replace(vectorURL, "&X-Amz-Algorithm=AWS4-HMAC-SHA256", "", 1)), "", time.Time{},
			stsFailure("us-east-1", 400, "IncompleteSignature", "AWS query-string parameters must include 'X-Amz-Algorithm'. Re-examine the query-string parameters.")},
		{"other algorithm", encodeToken(strings.Replace(vectorURL, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1)), "", time.Time{},
			stsFailure("us-east-1", 400, "IncompleteSignature", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)},
		{"no signature at all", encodeToken("https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Date=20240102T030405Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"), "", time.Time{},
			stsFailure("us-east-1", 403, "MissingAuthenticationToken", "Request is missing Authentication Token")},
		{"error names the host's region", encodeToken(presign(t, urlSpec{host: "sts.eu-west-1.amazonaws.com", region: "eu-west-1", cluster: "other"})), "", time.Time{},
			stsFailure("eu-west-1", 403, "SignatureDoesNotMatch", msgMismatch)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := c.now
			if now.IsZero() {
				now = t0.Add(time.Minute)
			}
			e.clock.Set(now)
			cluster := c.cluster
			if cluster == "" {
				cluster = "c1"
			}
			_, err := e.verifier.Verify(e.ctx, c.token, cluster)
			if errText(err) != c.want {
				t.Errorf("\n got %s\nwant %s", errText(err), c.want)
			}
		})
	}
}

// TestVerifyAccepted: tokens from every generator shape and host the verifier
// must accept, and the identity each proves (authenticator.md §1.3, §2.1, §3.1).
func TestVerifyAccepted(t *testing.T) {
	e := newEnv(t)
	aliceUser, alice := e.user(t, "alice", "/team/")
	deployer := e.role(t, "deployer", "/team/dev/")
	_, sess := e.assume(t, alice, deployer, "alice@example.com", 0)
	userSess, err := e.db.GetSessionToken(e.ctx, e.caller(t, alice), 0)
	if err != nil {
		t.Fatal(err)
	}
	userSessCreds := aws.Credentials{AccessKeyID: userSess.AccessKeyID, SecretAccessKey: userSess.SecretAccessKey, SessionToken: userSess.SessionToken}

	root := Identity{ARN: "arn:aws:iam::111122223333:root", CanonicalARN: "arn:aws:iam::111122223333:root", AccountID: testAccount, UserID: testAccount, AccessKeyID: rootKeyID}
	aliceID := Identity{ARN: "arn:aws:iam::111122223333:user/team/alice", CanonicalARN: "arn:aws:iam::111122223333:user/team/alice",
		AccountID: testAccount, UserID: aliceUser.ID, AccessKeyID: alice.AccessKeyID}
	sessID := Identity{ARN: "arn:aws:sts::111122223333:assumed-role/deployer/alice@example.com", CanonicalARN: "arn:aws:iam::111122223333:role/deployer",
		AccountID: testAccount, UserID: deployer.ID, SessionName: "alice@example.com", AccessKeyID: sess.AccessKeyID}
	userSessID := aliceID
	userSessID.AccessKeyID = userSess.AccessKeyID

	// botocore orders the auth parameters by insertion, session token after SignedHeaders (§1.2).
	sessURL := mintURL(t, sess, "c1", t0, mintOpts{})
	botocore := reorderQuery(t, sessURL, "Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
		"X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature")

	cases := []struct {
		name  string
		token string
		own   bool
		now   time.Time // zero = t0 + 1 min
		want  Identity
		host  string // expected host of the URL, to pin the generator's choice
	}{
		{"regional", mintToken(t, rootCreds, "c1", t0, mintOpts{region: "us-west-2"}), false, time.Time{}, root, "sts.us-west-2.amazonaws.com"},
		{"global endpoint, scope us-east-1", mintToken(t, rootCreds, "c1", t0, mintOpts{region: "aws-global"}), false, time.Time{}, root, "sts.amazonaws.com"},
		{"FIPS", mintToken(t, rootCreds, "c1", t0, mintOpts{fips: true}), false, time.Time{}, root, "sts-fips.us-east-1.amazonaws.com"},
		{"dual-stack", mintToken(t, rootCreds, "c1", t0, mintOpts{dualStack: true}), false, time.Time{}, root, "sts.us-east-1.api.aws"},
		{"FIPS dual-stack", mintToken(t, rootCreds, "c1", t0, mintOpts{fips: true, dualStack: true}), false, time.Time{}, root, "sts-fips.us-east-1.api.aws"},
		{"GovCloud FIPS form", mintToken(t, rootCreds, "c1", t0, mintOpts{region: "us-gov-west-1", fips: true}), false, time.Time{}, root, "sts.us-gov-west-1.amazonaws.com"},
		{"unknown but well-formed region", encodeToken(presign(t, urlSpec{host: "sts.not-a-region.amazonaws.com", region: "not-a-region"})), false, time.Time{}, root, "sts.not-a-region.amazonaws.com"},
		{"own endpoint over http", mintToken(t, rootCreds, "c1", t0, mintOpts{endpoint: "http://" + ownHost}), true, time.Time{}, root, ownHost},
		{"own endpoint over https", mintToken(t, rootCreds, "c1", t0, mintOpts{endpoint: "https://" + ownHost}), true, time.Time{}, root, ownHost},
		{"own endpoint, any scope region", mintToken(t, rootCreds, "c1", t0, mintOpts{endpoint: "http://" + ownHost, region: "eu-west-1"}), true, time.Time{}, root, ownHost},
		{"real host at a verifier with own hosts", vectorToken, true, time.Time{}, root, "sts.us-east-1.amazonaws.com"},
		{"IAM user with a path", mintToken(t, alice, "c1", t0, mintOpts{}), false, time.Time{}, aliceID, ""},
		{"assumed role with a path", encodeToken(sessURL), false, time.Time{}, sessID, ""},
		{"botocore parameter order", encodeToken(botocore), false, time.Time{}, sessID, ""},
		{"GetSessionToken credentials", mintToken(t, userSessCreds, "c1", t0, mintOpts{}), false, time.Time{}, userSessID, ""},
		{"expires 0", encodeToken(presign(t, urlSpec{expires: "0"})), false, time.Time{}, root, ""},
		{"expires 900", encodeToken(presign(t, urlSpec{expires: "900"})), false, time.Time{}, root, ""},
		{"valid for exactly 15 minutes", vectorToken, false, t0.Add(15 * time.Minute), root, ""},
		{"X-Amz-Expires is ignored", vectorToken, false, t0.Add(14 * time.Minute), root, ""},
		{"14 minutes early is within the skew", vectorToken, false, t0.Add(-14 * time.Minute), root, ""},
		{"action key in any case", encodeToken(presign(t, urlSpec{query: url.Values{"ACTION": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}})), false, time.Time{}, root, ""},
		{"no Version", encodeToken(presign(t, urlSpec{query: url.Values{"Action": {"GetCallerIdentity"}}})), false, time.Time{}, root, ""},
		{"4095 bytes, the longest valid length", padTo(t, vectorToken, maxTokenLen-1), false, time.Time{}, root, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := c.now
			if now.IsZero() {
				now = t0.Add(time.Minute)
			}
			e.clock.Set(now)
			if c.host != "" {
				raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(c.token, TokenPrefix))
				if u, err := url.Parse(string(raw)); err != nil || u.Host != c.host {
					t.Fatalf("token URL %s: want host %s", raw, c.host)
				}
			}
			v := e.verifier
			if c.own {
				v = e.own
			}
			id, err := v.Verify(e.ctx, c.token, "c1")
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := stripCaller(id); got != c.want {
				t.Errorf("identity\n got %+v\nwant %+v", got, c.want)
			}
			if id.Caller.ARN != c.want.ARN || id.Caller.PrincipalID != c.want.UserID || id.Caller.AccessKeyID != c.want.AccessKeyID {
				t.Errorf("caller %+v does not match identity %+v", id.Caller, c.want)
			}
			// The same token never verifies for another cluster.
			if _, err := v.Verify(e.ctx, c.token, "c1-other"); err == nil || !strings.Contains(err.Error(), `"Code":"SignatureDoesNotMatch"`) {
				t.Errorf("token verified for another cluster: %v", err)
			}
		})
	}
	if deployer.Path != "/team/dev/" || !strings.HasSuffix(deployer.ARN, ":role/team/dev/deployer") {
		t.Fatalf("role %+v has no path", deployer)
	}
}

// reorderQuery rewrites a URL's query in the given key order (values kept encoded).
func reorderQuery(t testing.TB, raw string, order ...string) string {
	t.Helper()
	base, query, _ := strings.Cut(raw, "?")
	pairs := map[string]string{}
	for _, p := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(p, "=")
		pairs[k] = p
	}
	if len(pairs) != len(order) {
		t.Fatalf("query %s has keys other than %v", query, order)
	}
	out := make([]string, len(order))
	for i, k := range order {
		if pairs[k] == "" {
			t.Fatalf("query %s lacks %s", query, k)
		}
		out[i] = pairs[k]
	}
	return base + "?" + strings.Join(out, "&")
}

// padTo lengthens a valid token to exactly size bytes with a URL fragment,
// which is never sent to STS (and so never signed). (A 4096-byte token cannot
// be valid: its 4085 base64 characters would leave one dangling character.)
func padTo(t testing.TB, tok string, size int) string {
	t.Helper()
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, TokenPrefix))
	for n := 1; ; n++ {
		out := encodeToken(string(raw) + "#" + strings.Repeat("x", n))
		switch {
		case len(out) == size:
			return out
		case len(out) > size:
			t.Fatalf("cannot pad to exactly %d bytes", size)
		}
	}
}
