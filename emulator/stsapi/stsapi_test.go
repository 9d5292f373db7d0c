package stsapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eksemu/eksemu/emulator/awsquery"
	"github.com/eksemu/eksemu/emulator/emulatortest"
	"github.com/eksemu/eksemu/emulator/stsapi"
	"github.com/eksemu/eksemu/store"
)

const (
	acct            = "111122223333"
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
	msgMismatch     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// env is one emulator with root clients.
type env struct {
	*emulatortest.Emulator
	t   *testing.T
	ctx context.Context
	iam *iam.Client
	sts *sts.Client
}

func newEnv(t *testing.T, opts ...emulatortest.Option) *env {
	t.Helper()
	e := emulatortest.New(t, opts...)
	return &env{Emulator: e, t: t, ctx: context.Background(), iam: e.IAM(), sts: e.STS()}
}

// user creates a user with an access key.
func (v *env) user(path, name string) (emulatortest.Credentials, string) {
	v.t.Helper()
	u, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)})
	require.NoError(v.t, err)
	k, err := v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	require.NoError(v.t, err)
	return emulatortest.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)},
		aws.ToString(u.User.UserId)
}

type roleOpts struct {
	path   string
	maxDur int32
}

func (v *env) role(name, trust string, o roleOpts) string {
	v.t.Helper()
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}
	if o.path != "" {
		in.Path = aws.String(o.path)
	}
	if o.maxDur != 0 {
		in.MaxSessionDuration = aws.Int32(o.maxDur)
	}
	out, err := v.iam.CreateRole(v.ctx, in)
	require.NoError(v.t, err)
	return aws.ToString(out.Role.Arn)
}

func (v *env) assume(creds emulatortest.Credentials, in *sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
	return v.STS(creds).AssumeRole(v.ctx, in)
}

func credsOf(out *sts.AssumeRoleOutput) emulatortest.Credentials {
	return emulatortest.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
}

// trust builds a one-statement trust policy.
func trust(effect, principal, extra string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":%q,"Principal":%s,"Action":"sts:AssumeRole"%s}]}`, effect, principal, extra)
}

// queryError asserts a Query-protocol error's status, code and message.
func queryError(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, code, ae.ErrorCode())
	assert.Equal(t, msg, ae.ErrorMessage())
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, status, re.HTTPStatusCode())
}

func denied(t *testing.T, err error, caller, role string) {
	t.Helper()
	queryError(t, err, 403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller, role))
}

func TestGetCallerIdentity(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	alice, aliceID := v.user("/eng/", "alice")
	roleARN := v.role("admin", trust("Allow", `{"AWS":"arn:aws:iam::111122223333:user/eng/alice"}`, ""), roleOpts{path: "/team/"})
	role, err := v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("admin")})
	require.NoError(t, err)

	t.Run("root", func(t *testing.T) {
		t.Parallel()
		out, err := v.sts.GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:root", aws.ToString(out.Arn))
		assert.Equal(t, acct, aws.ToString(out.UserId))
		assert.Equal(t, acct, aws.ToString(out.Account))
	})
	t.Run("IAM user", func(t *testing.T) {
		t.Parallel()
		out, err := v.STS(alice).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:user/eng/alice", aws.ToString(out.Arn))
		assert.Equal(t, aliceID, aws.ToString(out.UserId))
		assert.Regexp(t, `^AIDA[A-Z2-7]{17}$`, aliceID)
		assert.Equal(t, acct, aws.ToString(out.Account))
	})
	t.Run("assumed role: no role path, AROA…:session", func(t *testing.T) {
		t.Parallel()
		ar, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("alice@example.com")})
		require.NoError(t, err)
		out, err := v.STS(credsOf(ar)).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/admin/alice@example.com", aws.ToString(out.Arn))
		assert.Equal(t, aws.ToString(role.Role.RoleId)+":alice@example.com", aws.ToString(out.UserId))
		assert.Regexp(t, `^AROA[A-Z2-7]{17}:`, aws.ToString(out.UserId))
		assert.Equal(t, acct, aws.ToString(out.Account))
	})
	t.Run("GetSessionToken credentials act as the user", func(t *testing.T) {
		t.Parallel()
		st, err := v.STS(alice).GetSessionToken(v.ctx, &sts.GetSessionTokenInput{})
		require.NoError(t, err)
		c := emulatortest.Credentials{AccessKeyID: aws.ToString(st.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(st.Credentials.SecretAccessKey), SessionToken: aws.ToString(st.Credentials.SessionToken)}
		out, err := v.STS(c).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:user/eng/alice", aws.ToString(out.Arn))
		assert.Equal(t, aliceID, aws.ToString(out.UserId))
	})
}

func TestAssumeRole(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	alice, _ := v.user("/", "alice")
	roleARN := v.role("dev", trust("Allow", `{"AWS":"arn:aws:iam::111122223333:user/alice"}`, ""), roleOpts{path: "/apps/"})
	role, err := v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("dev")})
	require.NoError(t, err)

	t.Run("issues temporary credentials", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		out, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/dev/s1", aws.ToString(out.AssumedRoleUser.Arn))
		assert.Equal(t, aws.ToString(role.Role.RoleId)+":s1", aws.ToString(out.AssumedRoleUser.AssumedRoleId))
		c := out.Credentials
		assert.Regexp(t, `^ASIA[A-Z2-7]{16}$`, aws.ToString(c.AccessKeyId))
		assert.Len(t, aws.ToString(c.SecretAccessKey), 40)
		assert.NotEmpty(t, aws.ToString(c.SessionToken))
		require.NotNil(t, c.Expiration)
		assert.WithinDuration(t, before.Add(time.Hour), *c.Expiration, 5*time.Second, "one hour by default")
	})

	t.Run("DurationSeconds", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		out, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(900)})
		require.NoError(t, err)
		assert.WithinDuration(t, before.Add(15*time.Minute), *out.Credentials.Expiration, 5*time.Second)

		for secs, msg := range map[int32]string{
			899:   "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
			43201: "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
			7200:  "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
		} {
			_, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("dur"), DurationSeconds: aws.Int32(secs)})
			queryError(t, err, 400, "ValidationError", msg)
		}
	})

	t.Run("MaxSessionDuration of the role", func(t *testing.T) {
		t.Parallel()
		long := v.role("long", trust("Allow", `{"AWS":"111122223333"}`, ""), roleOpts{maxDur: 43200})
		before := time.Now()
		out, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(long), RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(43200)})
		require.NoError(t, err)
		assert.WithinDuration(t, before.Add(12*time.Hour), *out.Credentials.Expiration, 5*time.Second)
	})

	t.Run("RoleSessionName, RoleArn and ExternalId validation", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("s", 65)
		cases := map[string]*sts.AssumeRoleInput{
			"1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2":                   {RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a")},
			"1 validation error detected: Value '" + long + "' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64":          {RoleArn: aws.String(roleARN), RoleSessionName: aws.String(long)},
			"1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*": {RoleArn: aws.String(roleARN), RoleSessionName: aws.String("has space")},
			"1 validation error detected: Value 'a/b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*":       {RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a/b")},
			"1 validation error detected: Value 'arn:aws:iam::1:r' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20":           {RoleArn: aws.String("arn:aws:iam::1:r"), RoleSessionName: aws.String("ok")},
		}
		cases["1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2"] =
			&sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), ExternalId: aws.String("x")}
		cases["1 validation error detected: Value 'has space' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"] =
			&sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ok"), ExternalId: aws.String("has space")}
		for msg, in := range cases {
			_, err := v.assume(alice, in)
			queryError(t, err, 400, "ValidationError", msg)
		}
		for _, name := range []string{"ok", "user@example.com", "a_b-c.d+e=f,g", strings.Repeat("x", 64)} {
			_, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(name)})
			require.NoError(t, err, name)
		}
	})

	t.Run("AccessDenied for unknown roles and wrong paths", func(t *testing.T) {
		t.Parallel()
		for _, arn := range []string{"arn:aws:iam::111122223333:role/ghost", "arn:aws:iam::111122223333:role/dev", "arn:aws:iam::111122223333:role/other/dev", "arn:aws:iam::111122223333:user/alice"} {
			_, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")})
			denied(t, err, "arn:aws:iam::111122223333:user/alice", arn)
		}
	})

	t.Run("root cannot assume roles", func(t *testing.T) {
		t.Parallel()
		open := v.role("open", trust("Allow", `"*"`, ""), roleOpts{})
		_, err := v.sts.AssumeRole(v.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(open), RoleSessionName: aws.String("root")})
		queryError(t, err, 403, "AccessDenied", "Roles may not be assumed by root accounts.")
	})
}

func TestTrustPolicyEvaluation(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	alice, _ := v.user("/", "alice")
	v.user("/", "bob")
	const aliceARN = "arn:aws:iam::111122223333:user/alice"
	allowAlice := `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}`
	cases := []struct {
		name       string
		policy     string
		externalID string
		allowed    bool
	}{
		{"principal as user ARN", trust("Allow", `{"AWS":"arn:aws:iam::111122223333:user/alice"}`, ""), "", true},
		{"principal as list", trust("Allow", `{"AWS":["arn:aws:iam::111122223333:user/bob","arn:aws:iam::111122223333:user/alice"]}`, ""), "", true},
		{"principal as account ID", trust("Allow", `{"AWS":"111122223333"}`, ""), "", true},
		{"principal as account root", trust("Allow", `{"AWS":"arn:aws:iam::111122223333:root"}`, ""), "", true},
		{"principal AWS *", trust("Allow", `{"AWS":"*"}`, ""), "", true},
		{"principal *", trust("Allow", `"*"`, ""), "", true},
		{"another user", trust("Allow", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`, ""), "", false},
		{"service principal only", trust("Allow", `{"Service":"eks.amazonaws.com"}`, ""), "", false},
		{"explicit deny wins", `{"Version":"2012-10-17","Statement":[` + allowAlice + `,{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, "", false},
		{"deny of someone else", `{"Version":"2012-10-17","Statement":[` + allowAlice + `,{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"sts:AssumeRole"}]}`, "", true},
		{"deny only", trust("Deny", `{"AWS":"111122223333"}`, ""), "", false},
		{"other action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:TagSession"}}`, "", false},
		{"action wildcard", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["sts:*"]}}`, "", true},
		{"ExternalId matches", trust("Allow", `{"AWS":"111122223333"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":"abc123"}}`), "abc123", true},
		{"ExternalId missing", trust("Allow", `{"AWS":"111122223333"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":"abc123"}}`), "", false},
		{"ExternalId differs", trust("Allow", `{"AWS":"111122223333"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":"abc123"}}`), "abc124", false},
		{"ExternalId StringLike", trust("Allow", `{"AWS":"111122223333"}`, `,"Condition":{"StringLike":{"sts:ExternalId":"team-*"}}`), "team-42", true},
		{"ExternalId in a list", trust("Allow", `{"AWS":"111122223333"}`, `,"Condition":{"StringEquals":{"sts:ExternalId":["x1","x2"]}}`), "x2", true},
		{"condition on aws:PrincipalArn", trust("Allow", `{"AWS":"111122223333"}`, `,"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/a*"}}`), "", true},
		{"unsupported condition key", trust("Allow", `{"AWS":"111122223333"}`, `,"Condition":{"StringEquals":{"aws:SourceIp":"10.0.0.1"}}`), "", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			arn := v.role(fmt.Sprintf("r%02d", i), c.policy, roleOpts{})
			in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")}
			if c.externalID != "" {
				in.ExternalId = aws.String(c.externalID)
			}
			out, err := v.assume(alice, in)
			if c.allowed {
				require.NoError(t, err)
				assert.Equal(t, fmt.Sprintf("arn:aws:sts::111122223333:assumed-role/r%02d/s1", i), aws.ToString(out.AssumedRoleUser.Arn))
				return
			}
			denied(t, err, aliceARN, arn)
		})
	}
}

func TestRoleChaining(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	alice, _ := v.user("/", "alice")
	first := v.role("first", trust("Allow", `{"AWS":"arn:aws:iam::111122223333:user/alice"}`, ""), roleOpts{path: "/p/"})
	second := v.role("second", trust("Allow", `{"AWS":"arn:aws:iam::111122223333:role/p/first"}`, ""), roleOpts{maxDur: 43200})
	bySession := v.role("by-session", trust("Allow", `{"AWS":"arn:aws:sts::111122223333:assumed-role/first/chosen"}`, ""), roleOpts{})
	out, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("chosen")})
	require.NoError(t, err)
	sess := credsOf(out)

	t.Run("a role session may assume a role that trusts its role", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		chained, err := v.assume(sess, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("hop")})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/second/hop", aws.ToString(chained.AssumedRoleUser.Arn))
		assert.WithinDuration(t, before.Add(time.Hour), *chained.Credentials.Expiration, 5*time.Second)
	})
	t.Run("chained sessions are limited to one hour", func(t *testing.T) {
		t.Parallel()
		_, err := v.assume(sess, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("hop"), DurationSeconds: aws.Int32(3601)})
		queryError(t, err, 400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	})
	t.Run("a trust policy may name one session", func(t *testing.T) {
		t.Parallel()
		_, err := v.assume(sess, &sts.AssumeRoleInput{RoleArn: aws.String(bySession), RoleSessionName: aws.String("x1")})
		require.NoError(t, err)
		other, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(first), RoleSessionName: aws.String("other")})
		require.NoError(t, err)
		_, err = v.assume(credsOf(other), &sts.AssumeRoleInput{RoleArn: aws.String(bySession), RoleSessionName: aws.String("x2")})
		denied(t, err, "arn:aws:sts::111122223333:assumed-role/first/other", bySession)
	})
	t.Run("a user not named is denied with its ARN", func(t *testing.T) {
		t.Parallel()
		_, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(second), RoleSessionName: aws.String("direct")})
		denied(t, err, "arn:aws:iam::111122223333:user/alice", second)
	})
}

func TestGetSessionToken(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	alice, _ := v.user("/", "alice")

	t.Run("IAM user: 12 hours by default", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		out, err := v.STS(alice).GetSessionToken(v.ctx, &sts.GetSessionTokenInput{})
		require.NoError(t, err)
		assert.Regexp(t, `^ASIA[A-Z2-7]{16}$`, aws.ToString(out.Credentials.AccessKeyId))
		assert.NotEmpty(t, aws.ToString(out.Credentials.SessionToken))
		assert.WithinDuration(t, before.Add(12*time.Hour), *out.Credentials.Expiration, 5*time.Second)
	})
	t.Run("explicit duration", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		out, err := v.STS(alice).GetSessionToken(v.ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)})
		require.NoError(t, err)
		assert.WithinDuration(t, before.Add(36*time.Hour), *out.Credentials.Expiration, 5*time.Second)
	})
	t.Run("root sessions are capped at one hour", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		out, err := v.sts.GetSessionToken(v.ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
		require.NoError(t, err)
		assert.WithinDuration(t, before.Add(time.Hour), *out.Credentials.Expiration, 5*time.Second)
		c := emulatortest.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
		id, err := v.STS(c).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:root", aws.ToString(id.Arn))
	})
	t.Run("duration limits", func(t *testing.T) {
		t.Parallel()
		_, err := v.STS(alice).GetSessionToken(v.ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(899)})
		queryError(t, err, 400, "ValidationError", "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
		_, err = v.STS(alice).GetSessionToken(v.ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129601)})
		queryError(t, err, 400, "ValidationError", "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600")
	})
	t.Run("not with session credentials", func(t *testing.T) {
		t.Parallel()
		out, err := v.STS(alice).GetSessionToken(v.ctx, &sts.GetSessionTokenInput{})
		require.NoError(t, err)
		c := emulatortest.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
		_, err = v.STS(c).GetSessionToken(v.ctx, &sts.GetSessionTokenInput{})
		queryError(t, err, 403, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	})
}

// TestTemporaryCredentialsExpire starts the clock ten minutes in the past so
// that after the session's 15 minutes the emulator's clock is still within the
// SigV4 skew of the real time the SDK signs with.
func TestTemporaryCredentialsExpire(t *testing.T) {
	t.Parallel()
	clock := emulatortest.NewClock(time.Now().Add(-10 * time.Minute))
	v := newEnv(t, emulatortest.WithClock(clock))
	alice, _ := v.user("/", "alice")
	roleARN := v.role("dev", trust("Allow", `{"AWS":"111122223333"}`, ""), roleOpts{})
	out, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900)})
	require.NoError(t, err)
	sess := credsOf(out)
	_, err = v.STS(sess).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)

	clock.Advance(14 * time.Minute)
	_, err = v.STS(sess).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err, "still valid just before expiry")

	clock.Advance(2 * time.Minute)
	_, err = v.STS(sess).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
	queryError(t, err, 403, "ExpiredToken", msgExpiredToken)
	_, err = v.IAM(sess).ListRoles(v.ctx, &iam.ListRolesInput{})
	queryError(t, err, 403, "ExpiredToken", msgExpiredToken)
	_, err = v.EKS(sess).ListClusters(v.ctx, &eks.ListClustersInput{})
	require.Error(t, err)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "ExpiredTokenException", ae.ErrorCode())
	assert.Equal(t, msgExpiredToken, ae.ErrorMessage())
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 403, re.HTTPStatusCode())
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	alice, _ := v.user("/", "alice")
	roleARN := v.role("dev", trust("Allow", `{"AWS":"111122223333"}`, ""), roleOpts{})
	ar, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
	require.NoError(t, err)
	sess := credsOf(ar)

	cases := map[string]struct {
		creds      emulatortest.Credentials
		code, msg  string
		eksCode    string
		statusCode int
	}{
		"unknown access key":       {emulatortest.Credentials{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: "x"}, "InvalidClientTokenId", msgInvalidToken, "UnrecognizedClientException", 403},
		"wrong secret":             {emulatortest.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "wrong"}, "SignatureDoesNotMatch", msgMismatch, "InvalidSignatureException", 403},
		"session without token":    {emulatortest.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey}, "InvalidClientTokenId", msgInvalidToken, "UnrecognizedClientException", 403},
		"session with bad token":   {emulatortest.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: "bogus"}, "InvalidClientTokenId", msgInvalidToken, "UnrecognizedClientException", 403},
		"long-term key with token": {emulatortest.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: alice.SecretAccessKey, SessionToken: sess.SessionToken}, "InvalidClientTokenId", msgInvalidToken, "UnrecognizedClientException", 403},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := v.STS(c.creds).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
			queryError(t, err, c.statusCode, c.code, c.msg)
			_, err = v.IAM(c.creds).ListUsers(v.ctx, &iam.ListUsersInput{})
			queryError(t, err, c.statusCode, c.code, c.msg)
			_, err = v.EKS(c.creds).ListClusters(v.ctx, &eks.ListClustersInput{})
			require.Error(t, err)
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, c.eksCode, ae.ErrorCode())
			assert.Equal(t, c.msg, ae.ErrorMessage())
		})
	}

	t.Run("a deleted key stops working", func(t *testing.T) {
		t.Parallel()
		bob, _ := v.user("/", "bob")
		_, err := v.STS(bob).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		_, err = v.iam.DeleteAccessKey(v.ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(bob.AccessKeyID)})
		require.NoError(t, err)
		_, err = v.STS(bob).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		queryError(t, err, 403, "InvalidClientTokenId", msgInvalidToken)
	})

	t.Run("sessions outlive their role", func(t *testing.T) {
		t.Parallel()
		tmp := v.role("temporary", trust("Allow", `{"AWS":"111122223333"}`, ""), roleOpts{})
		out, err := v.assume(alice, &sts.AssumeRoleInput{RoleArn: aws.String(tmp), RoleSessionName: aws.String("s1")})
		require.NoError(t, err)
		_, err = v.iam.DeleteRole(v.ctx, &iam.DeleteRoleInput{RoleName: aws.String("temporary")})
		require.NoError(t, err)
		id, err := v.STS(credsOf(out)).GetCallerIdentity(v.ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/temporary/s1", aws.ToString(id.Arn))
	})

	t.Run("EKS sees the assumed role", func(t *testing.T) {
		t.Parallel()
		_, err := v.EKS(sess).CreateCluster(v.ctx, &eks.CreateClusterInput{Name: aws.String("by-role"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
			ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}, AccessConfig: &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
		require.NoError(t, err)
		l, err := v.EKS().ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("by-role")})
		require.NoError(t, err)
		assert.Equal(t, []string{roleARN}, l.AccessEntries)
	})
}

// TestErrorMappingIsTotal: every store Kind has an STS code, and only internal
// errors are server faults.
func TestErrorMappingIsTotal(t *testing.T) {
	t.Parallel()
	svc, ok := stsapi.New(stsapi.Deps{}).(*awsquery.Service)
	require.True(t, ok)
	for _, k := range store.AllKinds() {
		e := svc.MapError(&store.Error{Kind: k, Message: "m"})
		require.NotNil(t, e, k.String())
		if k == store.KindInternal {
			assert.Equal(t, 500, e.Status)
			assert.Equal(t, "Receiver", e.Fault)
			continue
		}
		assert.Less(t, e.Status, 500, k.String())
		assert.Equal(t, "Sender", e.Fault, k.String())
		assert.Equal(t, "m", e.Message, k.String())
	}
}
