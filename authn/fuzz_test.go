package authn

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

var updateCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed corpora under testdata/fuzz")

// The fuzz environment: the §6.1 root, a user with a fixed key, and a session
// of a role it assumed (drawn from the seeded generator, so deterministic).
const (
	fuzzUserKeyID  = "AKIAFUZZUSER00000001"
	fuzzUserSecret = "fuzzUserSecretKey/0000000000000000000000"
	fuzzCluster    = "c1"
)

type fuzzEnv struct {
	*env
	user, session aws.Credentials
}

func newFuzzEnv(t testing.TB) *fuzzEnv {
	t.Helper()
	e := newEnv(t)
	if _, err := e.db.CreateUser(e.ctx, testAccount, "fuzzer", "/fuzz/"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.CreateAccessKey(e.ctx, testAccount, "fuzzer", fuzzUserKeyID, fuzzUserSecret); err != nil {
		t.Fatal(err)
	}
	user := aws.Credentials{AccessKeyID: fuzzUserKeyID, SecretAccessKey: fuzzUserSecret}
	_, session := e.assume(t, user, e.role(t, "fuzz-role", "/"), "fuzz-session", 0)
	e.clock.Set(t0.Add(time.Minute))
	return &fuzzEnv{env: e, user: user, session: session}
}

// tokenSeeds are the FuzzTokenVerify corpus: name → token and, for tokens that
// must be rejected, a substring of the rejection ("" = must verify). Seeds
// named url-* are bare presigned URLs: the fuzz target also tries every input
// without the prefix as the token of that URL, so that mutations can work on
// the URL itself (dates, scope, query) rather than on its base64.
func tokenSeeds(t testing.TB, fe *fuzzEnv) map[string][2]string {
	t.Helper()
	valid := func(tok string) [2]string { return [2]string{tok, ""} }
	bad := func(tok, why string) [2]string { return [2]string{tok, why} }
	sessURL := mintURL(t, fe.session, fuzzCluster, t0, mintOpts{})
	padded := TokenPrefix + base64.URLEncoding.EncodeToString([]byte(vectorURL))
	return map[string][2]string{
		"valid-root-vector":       valid(vectorToken),
		"valid-user":              valid(mintToken(t, fe.user, fuzzCluster, t0, mintOpts{region: "eu-west-1"})),
		"valid-session":           valid(encodeToken(sessURL)),
		"valid-session-botocore":  valid(encodeToken(reorderQuery(t, sessURL, "Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"))),
		"valid-global":            valid(mintToken(t, rootCreds, fuzzCluster, t0, mintOpts{region: "aws-global"})),
		"valid-fips-dualstack":    valid(mintToken(t, rootCreds, fuzzCluster, t0, mintOpts{fips: true, dualStack: true})),
		"valid-own-host-http":     valid(mintToken(t, fe.user, fuzzCluster, t0, mintOpts{endpoint: "http://" + ownHost})),
		"padded":                  bad(padded, "illegal base64 data at input byte"),
		"no-prefix":               bad(strings.TrimPrefix(vectorToken, TokenPrefix), "prefix"),
		"empty":                   bad("", "prefix"),
		"wrong-cluster":           bad(mintToken(t, rootCreds, "c2", t0, mintOpts{}), "SignatureDoesNotMatch"),
		"expired":                 bad(mintToken(t, rootCreds, fuzzCluster, t0.Add(-20*time.Minute), mintOpts{}), "X-Amz-Date parameter is expired"),
		"not-yet-current":         bad(mintToken(t, rootCreds, fuzzCluster, t0.Add(20*time.Minute), mintOpts{}), "Signature not yet current"),
		"extra-query-param":       bad(encodeToken(vectorURL+"&X-Amz-Foo=1"), "non-whitelisted"),
		"duplicate-query-param":   bad(encodeToken(vectorURL+"&x-amz-date=20240102T030405Z"), "duplicate query parameter"),
		"foreign-host":            bad(encodeToken(strings.Replace(vectorURL, "sts.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com.evil.example", 1)), "unexpected hostname"),
		"http-real-host":          bad(encodeToken(strings.Replace(vectorURL, "https:", "http:", 1)), "unexpected scheme"),
		"unsigned-x-k8s-aws-id":   bad(encodeToken(presign(t, urlSpec{unsigned: true})), "client did not sign the x-k8s-aws-id header"),
		"scope-date-mismatch":     bad(encodeToken(strings.Replace(vectorURL, "%2F20240102%2F", "%2F20240103%2F", 1)), "Date in Credential scope"),
		"session-token-missing":   bad(encodeToken(regexp.MustCompile(`&X-Amz-Security-Token=[^&]*`).ReplaceAllString(sessURL, "")), "InvalidClientTokenId"),
		"expires-absent":          bad(encodeToken(strings.Replace(vectorURL, "&X-Amz-Expires=60", "", 1)), "invalid X-Amz-Expires"),
		"tampered-signature":      bad(encodeToken(strings.Replace(vectorURL, "X-Amz-Signature=f", "X-Amz-Signature=e", 1)), "SignatureDoesNotMatch"),
		"path":                    bad(encodeToken(strings.Replace(vectorURL, ".com/?", ".com/x?", 1)), "unexpected path"),
		"china-host-in-aws":       bad(mintToken(t, rootCreds, fuzzCluster, t0, mintOpts{region: "cn-north-1"}), "partition {aws} does not support hostname"),
		"own-host-other-port":     bad(mintToken(t, rootCreds, fuzzCluster, t0, mintOpts{endpoint: "http://127.0.0.1:4751"}), "unexpected scheme"),
		"unknown-key":             bad(encodeToken(presign(t, urlSpec{creds: aws.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: "x"}})), "InvalidClientTokenId"),
		"scope-service":           bad(encodeToken(presign(t, urlSpec{service: "iam"})), "Credential should be scoped to correct service"),
		"action-case":             bad(encodeToken(strings.Replace(vectorURL, "GetCallerIdentity", "getCallerIdentity", 1)), "unexpected action"),
		"multi-valued-signature":  bad(encodeToken(vectorURL+"&X-Amz-Signature=00"), "multiple values"),
		"too-large":               bad(TokenPrefix+strings.Repeat("A", maxTokenLen), "token is too large"),
		"bad-port":                bad(encodeToken("https://sts.us-east-1.amazonaws.com:port/?Action=GetCallerIdentity"), "invalid port"),
		"malformed-query":         bad(encodeToken(strings.Replace(vectorURL, "Version=", "Version=%G", 1)), "malformed query parameter"),
		"date-unparsable":         bad(encodeToken(strings.Replace(vectorURL, "X-Amz-Date=20240102T030405Z", "X-Amz-Date=20240102", 1)), "error parsing X-Amz-Date"),
		"fragment-is-not-signed":  valid(encodeToken(vectorURL + "#fragment")),
		"userinfo-is-not-signed":  valid(encodeToken(strings.Replace(vectorURL, "https://", "https://user:pass@", 1))),
		"own-host-any-scope":      valid(mintToken(t, rootCreds, fuzzCluster, t0, mintOpts{endpoint: "http://" + ownHost, region: "ap-south-1"})),
		"unknown-region-accepted": valid(encodeToken(presign(t, urlSpec{host: "sts.xx-nowhere-9.amazonaws.com", region: "xx-nowhere-9"}))),
		"url-valid-root":          valid(vectorURL),
		"url-valid-session":       valid(sessURL),
		"url-valid-own-host":      valid(mintURL(t, fe.user, fuzzCluster, t0, mintOpts{endpoint: "http://" + ownHost})),
		"url-scope-date-mismatch": bad(strings.Replace(vectorURL, "%2F20240102%2F", "%2F20240101%2F", 1), "Date in Credential scope"),
		"url-wrong-cluster":       bad(mintURL(t, fe.session, "c2", t0, mintOpts{}), "SignatureDoesNotMatch"),
	}
}

const corpusHeader = "go test fuzz v1\n"

func corpusFile(args ...string) string {
	var b strings.Builder
	b.WriteString(corpusHeader)
	for _, a := range args {
		fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(a))
	}
	return b.String()
}

// readCorpus parses a corpus file of string arguments.
func readCorpus(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := strings.CutPrefix(string(raw), corpusHeader)
	if !ok {
		t.Fatalf("%s: not a go test fuzz v1 file", path)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		lit, ok := strings.CutPrefix(line, "string(")
		if !ok || !strings.HasSuffix(lit, ")") {
			t.Fatalf("%s: unexpected line %q", path, line)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, s)
	}
	return out
}

// syncCorpus writes the seeds with -update-fuzz-corpus; otherwise it checks
// that the files on disk are exactly the seeds (so they stay meaningful).
func syncCorpus(t *testing.T, dir string, seeds map[string]string) {
	t.Helper()
	if *updateCorpus {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range seeds {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("%v (run with -update-fuzz-corpus)", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	var want []string
	for name := range seeds {
		want = append(want, name)
	}
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("corpus %s has %v, want %v (run with -update-fuzz-corpus)", dir, names, want)
	}
	for name, content := range seeds {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != content {
			t.Errorf("corpus file %s/%s is stale (run with -update-fuzz-corpus)", dir, name)
		}
	}
}

// TestTokenCorpus keeps the FuzzTokenVerify seeds honest: valid seeds verify,
// the others fail for the reason they were written for.
func TestTokenCorpus(t *testing.T) {
	fe := newFuzzEnv(t)
	seeds := tokenSeeds(t, fe)
	files := map[string]string{}
	for name, s := range seeds {
		files[name] = corpusFile(s[0])
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzTokenVerify")
	syncCorpus(t, dir, files)
	for name, s := range seeds {
		tok := readCorpus(t, filepath.Join(dir, name))[0]
		if strings.HasPrefix(name, "url-") {
			tok = encodeToken(tok)
		}
		id, err := fe.own.Verify(fe.ctx, tok, fuzzCluster)
		switch {
		case s[1] == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case s[1] == "":
			checkAccepted(t, fe, tok, id)
		case err == nil:
			t.Errorf("%s: verified, want %q", name, s[1])
		case !strings.Contains(err.Error(), s[1]):
			t.Errorf("%s: %v, want %q", name, err, s[1])
		}
	}
}

// FuzzTokenVerify: arbitrary tokens never panic, every rejection is a
// *TokenError, and anything accepted is a well-formed token whose host passes
// the allow-list and whose signature an independent SigV4 computation confirms.
// An input without the prefix is also tried as the token of that string.
func FuzzTokenVerify(f *testing.F) {
	fe := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, token string) {
		tokens := []string{token}
		if !strings.HasPrefix(token, TokenPrefix) {
			tokens = append(tokens, encodeToken(token))
		}
		for _, tok := range tokens {
			id, err := fe.own.Verify(fe.ctx, tok, fuzzCluster)
			if err != nil {
				var te *TokenError
				if !errors.As(err, &te) {
					t.Fatalf("rejection of %q is %T, not a *TokenError: %v", tok, err, err)
				}
				continue
			}
			checkAccepted(t, fe, tok, id)
		}
	})
}

var (
	stsHost    = regexp.MustCompile(`^sts(-fips)?\.([[:alnum:]]([[:alnum:]-]*[[:alnum:]])?)\.(amazonaws\.com|api\.aws)$`)
	amzDateRE  = regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	allowedKey = map[string]bool{"action": true, "version": true, "x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true,
		"x-amz-expires": true, "x-amz-security-token": true, "x-amz-signature": true, "x-amz-signedheaders": true}
)

// checkAccepted re-derives, without the code under test, why token is valid
// for fuzzCluster at the fuzz environment's clock, and that id is its owner.
func checkAccepted(t *testing.T, fe *fuzzEnv, token string, id Identity) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("accepted %q: "+format, append([]any{token}, args...)...)
	}
	body, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok || len(token) > maxTokenLen {
		fail("bad prefix or length")
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		fail("not unpadded base64url: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		fail("URL: %v", err)
	}
	own := u.Host == ownHost
	region := ""
	switch m := stsHost.FindStringSubmatch(u.Host); {
	case own && (u.Scheme == "http" || u.Scheme == "https"):
	case u.Scheme != "https":
		fail("scheme %q", u.Scheme)
	case u.Host == "sts.amazonaws.com":
		region = "us-east-1"
	case m != nil:
		region = m[2]
	default:
		fail("host %q is not an STS host", u.Host)
	}
	if u.Path != "/" {
		fail("path %q", u.Path)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		fail("query: %v", err)
	}
	lower := map[string]string{}
	for k, vs := range q {
		lk := strings.ToLower(k)
		if _, dup := lower[lk]; dup || !allowedKey[lk] || len(vs) != 1 {
			fail("query key %q", k)
		}
		lower[lk] = vs[0]
	}
	if lower["action"] != "GetCallerIdentity" {
		fail("action %q", lower["action"])
	}
	if !strings.Contains(";"+strings.ToLower(q.Get("X-Amz-SignedHeaders"))+";", ";x-k8s-aws-id;") {
		fail("x-k8s-aws-id not signed")
	}
	if n, err := strconv.Atoi(lower["x-amz-expires"]); err != nil || n < 0 || n > 900 {
		fail("X-Amz-Expires %q", lower["x-amz-expires"])
	}
	date := q.Get("X-Amz-Date")
	at, err := time.Parse("20060102T150405Z", date)
	if err != nil || !amzDateRE.MatchString(date) {
		fail("X-Amz-Date %q", date)
	}
	if now := fe.clock.Now(); now.After(at.Add(15*time.Minute)) || at.After(now.Add(15*time.Minute)) {
		fail("X-Amz-Date %s outside the window at %s", at, now)
	}
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		fail("algorithm %q", q.Get("X-Amz-Algorithm"))
	}
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) != 5 || cred[1] != date[:8] || cred[3] != "sts" || cred[4] != "aws4_request" || region != "" && cred[2] != region {
		fail("credential %q for host %s", q.Get("X-Amz-Credential"), u.Host)
	}
	key, err := fe.db.LookupAccessKey(fe.ctx, cred[0])
	if err != nil {
		fail("key %s: %v", cred[0], err)
	}
	if key.SessionToken != q.Get("X-Amz-Security-Token") || key.Expired(fe.clock.Now()) {
		fail("session token or expiry of %s", cred[0])
	}
	sig, err := oracleSignature(u, fuzzCluster, key.SecretAccessKey)
	if err != nil || sig != q.Get("X-Amz-Signature") {
		fail("signature %s, independent recomputation %s (%v)", q.Get("X-Amz-Signature"), sig, err)
	}
	if id.AccessKeyID != cred[0] || id.ARN != key.Caller.ARN || id.UserID != key.Caller.PrincipalID || id.AccountID != key.Caller.Account {
		fail("identity %+v is not the key's owner %+v", id, key.Caller)
	}
}

// awsAuthSeeds are the FuzzParseAWSAuth corpus: mapRoles, mapUsers, mapAccounts
// in the shapes of authenticator.md §4.4 and §4.5.
var awsAuthSeeds = map[string][3]string{
	"documented":              {goodRoles + "- rolearn: arn:aws:iam::111122223333:role/KubernetesAdmin\n  username: admin:{{SessionName}}\n  groups: [system:masters]\n", goodUsers, "- \"444455556666\"\n"},
	"tab-in-mapRoles":         {"- rolearn: " + nodeRoleARN + "\n\tusername: x\n", goodUsers, goodAccts},
	"mapRoles-is-a-mapping":   {"rolearn: " + nodeRoleARN + "\nusername: x\n", goodUsers, ""},
	"missing-rolearn":         {"- username: orphan\n" + goodRoles, "- username: orphan\n" + goodUsers, ""},
	"scalar-groups":           {"- rolearn: " + nodeRoleARN + "\n  username: node\n  groups: system:masters\n", "", ""},
	"numeric-username":        {"", "- userarn: " + adminARN + "\n  username: 1234\n", ""},
	"boolean-username":        {"", "- userarn: " + adminARN + "\n  username: n\n", ""},
	"case-insensitive-keys":   {"- RoleARN: " + nodeRoleARN + "\n  UserName: n\n  GROUPS: [g]\n- rOlEaRn: arn:aws:iam::555555555555:role/x\n", "- USERARN: " + adminARN + "\n", ""},
	"extra-space":             {"- rolearn: " + nodeRoleARN + "\n  groups:\n    - system:bootstrappers\n     - system:nodes\n", "", ""},
	"skippable":               {`""`, "``", "''"},
	"whitespace":              {"  \n", "\t", ""},
	"accounts-forms":          {"", "", "- 111122223333\n- 012345678901\n- \"444455556666\"\n"},
	"accounts-scalar":         {"", "", "111122223333"},
	"accounts-partial":        {"", "", "- 111122223333\n- {a: b}\n- [c]\n"},
	"json-list":               {`[{"rolearn":"` + nodeRoleARN + `","username":"n","groups":["g"]}]`, `[{"userarn":"` + adminARN + `"}]`, `["111122223333"]`},
	"json-object":             {`{"rolearn":"` + nodeRoleARN + `"}`, `{}`, `{}`},
	"duplicates":              {"- rolearn: " + nodeRoleARN + "\n  username: a\n- rolearn: " + strings.ToUpper(nodeRoleARN) + "\n  username: b\n", goodUsers + goodUsers, goodAccts + goodAccts},
	"user-arn-under-mapRoles": {"- rolearn: " + adminARN + "\n  username: u\n", "- userarn: " + nodeRoleARN + "\n  username: r\n", ""},
	"sso":                     {"- sso:\n    permissionSetName: ViewOnlyAccess\n    accountID: \"012345678912\"\n  username: u\n", "", ""},
	"sso-and-rolearn":         {"- rolearn: " + nodeRoleARN + "\n  sso: {permissionSetName: A, accountID: \"111122223333\"}\n", "", ""},
	"sso-null":                {"- sso: null\n- sso: ~\n  rolearn: \"\"\n", "", ""},
	"anchors-and-aliases":     {"- &r {rolearn: " + nodeRoleARN + ", username: n}\n- *r\n", "- userarn: &u " + adminARN + "\n  username: *u\n", "- &a 111122223333\n- *a\n"},
	"null-and-numbers":        {"~", "- 1\n- 2\n", "- 1.5e3\n- 0x1F\n- true\n- ~\n"},
}

// TestAWSAuthCorpus keeps the FuzzParseAWSAuth seed files in step with awsAuthSeeds.
func TestAWSAuthCorpus(t *testing.T) {
	files := map[string]string{}
	for name, s := range awsAuthSeeds {
		files[name] = corpusFile(s[0], s[1], s[2])
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseAWSAuth")
	syncCorpus(t, dir, files)
	for name, s := range awsAuthSeeds {
		if got := readCorpus(t, filepath.Join(dir, name)); !reflect.DeepEqual(got, s[:]) {
			t.Errorf("%s: read back %q", name, got)
		}
	}
}

// FuzzParseAWSAuth: arbitrary data never panics; every role kept has exactly
// one of rolearn or sso, every user a userarn; each key is parsed on its own;
// every kept ARN is found again by lookup.
func FuzzParseAWSAuth(f *testing.F) {
	f.Fuzz(func(t *testing.T, mapRoles, mapUsers, mapAccounts string) {
		all, _ := ParseAWSAuth(map[string]string{"mapRoles": mapRoles, "mapUsers": mapUsers, "mapAccounts": mapAccounts})
		for _, r := range all.Roles {
			if (r.RoleARN == "") == (r.SSO == nil) {
				t.Fatalf("role %+v has not exactly one of rolearn and sso", r)
			}
			if r.RoleARN != "" {
				if _, _, ok := all.lookup(r.RoleARN); !ok {
					t.Fatalf("role %q not found by lookup", r.RoleARN)
				}
			}
		}
		for _, u := range all.Users {
			if u.UserARN == "" {
				t.Fatalf("user %+v has no userarn", u)
			}
			if _, _, ok := all.lookup(u.UserARN); !ok {
				t.Fatalf("user %q not found by lookup", u.UserARN)
			}
		}
		roles, _ := ParseAWSAuth(map[string]string{"mapRoles": mapRoles})
		users, _ := ParseAWSAuth(map[string]string{"mapUsers": mapUsers})
		accounts, _ := ParseAWSAuth(map[string]string{"mapAccounts": mapAccounts})
		alone := normalize(AWSAuth{Roles: roles.Roles, Users: users.Users, Accounts: accounts.Accounts})
		if !reflect.DeepEqual(normalize(all), alone) {
			t.Fatalf("keys are not parsed independently:\n together %#v\n alone    %#v", all, alone)
		}
		if again, _ := ParseAWSAuth(map[string]string{"mapRoles": mapRoles, "mapUsers": mapUsers, "mapAccounts": mapAccounts}); !reflect.DeepEqual(again, all) {
			t.Fatal("parsing is not deterministic")
		}
	})
}
