package iamapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eksemu/eksemu/emulator/awsquery"
	"github.com/eksemu/eksemu/emulator/emulatortest"
	"github.com/eksemu/eksemu/emulator/iamapi"
	"github.com/eksemu/eksemu/store"
)

const (
	acct         = "111122223333"
	trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`
)

type env struct {
	*emulatortest.Emulator
	t   *testing.T
	ctx context.Context
	iam *iam.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := emulatortest.New(t)
	return &env{Emulator: e, t: t, ctx: context.Background(), iam: e.IAM()}
}

func (v *env) createUser(name string) *iamtypes.User {
	v.t.Helper()
	out, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	require.NoError(v.t, err)
	return out.User
}

func (v *env) createRole(name, path, policy string) *iamtypes.Role {
	v.t.Helper()
	in := &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(policy)}
	if path != "" {
		in.Path = aws.String(path)
	}
	out, err := v.iam.CreateRole(v.ctx, in)
	require.NoError(v.t, err)
	return out.Role
}

func (v *env) key(user string) emulatortest.Credentials {
	v.t.Helper()
	k, err := v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	require.NoError(v.t, err)
	return emulatortest.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
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

func TestUsers(t *testing.T) {
	t.Parallel()
	v := newEnv(t)

	t.Run("CreateUser", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		out, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/")})
		require.NoError(t, err)
		u := out.User
		assert.Equal(t, "alice", aws.ToString(u.UserName))
		assert.Equal(t, "/eng/", aws.ToString(u.Path))
		assert.Equal(t, "arn:aws:iam::111122223333:user/eng/alice", aws.ToString(u.Arn))
		assert.Regexp(t, `^AIDA[A-Z2-7]{17}$`, aws.ToString(u.UserId))
		require.NotNil(t, u.CreateDate)
		assert.WithinRange(t, *u.CreateDate, before, time.Now().Add(time.Second))
	})
	t.Run("default path", func(t *testing.T) {
		u := v.createUser("bob")
		assert.Equal(t, "/", aws.ToString(u.Path))
		assert.Equal(t, "arn:aws:iam::111122223333:user/bob", aws.ToString(u.Arn))
	})
	t.Run("duplicate names, case-insensitively", func(t *testing.T) {
		for _, n := range []string{"alice", "ALICE"} {
			_, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String(n)})
			var e *iamtypes.EntityAlreadyExistsException
			require.ErrorAs(t, err, &e)
			queryError(t, err, 409, "EntityAlreadyExists", fmt.Sprintf("User with name %s already exists.", n))
		}
	})
	t.Run("invalid name and path", func(t *testing.T) {
		_, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String("bad name")})
		queryError(t, err, 400, "ValidationError", "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
		long := strings.Repeat("u", 65)
		_, err = v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String(long)})
		queryError(t, err, 400, "ValidationError", "1 validation error detected: Value '"+long+"' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64")
		_, err = v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String("pathy"), Path: aws.String("eng")})
		queryError(t, err, 400, "ValidationError", "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	})
	t.Run("GetUser", func(t *testing.T) {
		out, err := v.iam.GetUser(v.ctx, &iam.GetUserInput{UserName: aws.String("alice")})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:user/eng/alice", aws.ToString(out.User.Arn))
		_, err = v.iam.GetUser(v.ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
		var e *iamtypes.NoSuchEntityException
		require.ErrorAs(t, err, &e)
		queryError(t, err, 404, "NoSuchEntity", "The user with name nobody cannot be found.")
	})
	t.Run("GetUser without a name", func(t *testing.T) {
		root, err := v.iam.GetUser(v.ctx, &iam.GetUserInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:root", aws.ToString(root.User.Arn))
		assert.Equal(t, acct, aws.ToString(root.User.UserId))
		bob := v.key("bob")
		self, err := v.IAM(bob).GetUser(v.ctx, &iam.GetUserInput{})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:user/bob", aws.ToString(self.User.Arn))

		role := v.createRole("getter", "", trustAccount)
		ar, err := v.STS(bob).AssumeRole(v.ctx, &sts.AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: aws.String("s1")})
		require.NoError(t, err)
		sess := emulatortest.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar.Credentials.SessionToken)}
		_, err = v.IAM(sess).GetUser(v.ctx, &iam.GetUserInput{})
		queryError(t, err, 400, "ValidationError", "Must specify userName when calling with non-User credentials")
	})
	t.Run("DeleteUser", func(t *testing.T) {
		v.createUser("keyholder")
		k := v.key("keyholder")
		_, err := v.iam.DeleteUser(v.ctx, &iam.DeleteUserInput{UserName: aws.String("keyholder")})
		var e *iamtypes.DeleteConflictException
		require.ErrorAs(t, err, &e)
		queryError(t, err, 409, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
		_, err = v.iam.DeleteAccessKey(v.ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("keyholder"), AccessKeyId: aws.String(k.AccessKeyID)})
		require.NoError(t, err)
		_, err = v.iam.DeleteUser(v.ctx, &iam.DeleteUserInput{UserName: aws.String("keyholder")})
		require.NoError(t, err)
		_, err = v.iam.GetUser(v.ctx, &iam.GetUserInput{UserName: aws.String("keyholder")})
		queryError(t, err, 404, "NoSuchEntity", "The user with name keyholder cannot be found.")
		_, err = v.iam.DeleteUser(v.ctx, &iam.DeleteUserInput{UserName: aws.String("keyholder")})
		queryError(t, err, 404, "NoSuchEntity", "The user with name keyholder cannot be found.")
	})
}

func TestListUsersPagination(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	for _, n := range []string{"d", "a", "e", "c", "b"} {
		v.createUser(n)
	}
	_, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String("ops1"), Path: aws.String("/ops/")})
	require.NoError(t, err)

	t.Run("Marker and IsTruncated", func(t *testing.T) {
		var names []string
		var marker *string
		pages := 0
		for {
			out, err := v.iam.ListUsers(v.ctx, &iam.ListUsersInput{MaxItems: aws.Int32(2), Marker: marker})
			require.NoError(t, err)
			pages++
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.UserName))
			}
			if !out.IsTruncated {
				assert.Nil(t, out.Marker)
				break
			}
			require.NotNil(t, out.Marker)
			marker = out.Marker
		}
		assert.Equal(t, []string{"a", "b", "c", "d", "e", "ops1"}, names)
		assert.Equal(t, 3, pages)
	})
	t.Run("paginator", func(t *testing.T) {
		p := iam.NewListUsersPaginator(v.iam, &iam.ListUsersInput{MaxItems: aws.Int32(4)})
		var names []string
		for p.HasMorePages() {
			out, err := p.NextPage(v.ctx)
			require.NoError(t, err)
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.UserName))
			}
		}
		assert.Equal(t, []string{"a", "b", "c", "d", "e", "ops1"}, names)
	})
	t.Run("PathPrefix", func(t *testing.T) {
		out, err := v.iam.ListUsers(v.ctx, &iam.ListUsersInput{PathPrefix: aws.String("/ops/")})
		require.NoError(t, err)
		require.Len(t, out.Users, 1)
		assert.Equal(t, "ops1", aws.ToString(out.Users[0].UserName))
		assert.False(t, out.IsTruncated)
	})
	t.Run("MaxItems out of range", func(t *testing.T) {
		for _, n := range []int32{0, 1001} {
			_, err := v.iam.ListUsers(v.ctx, &iam.ListUsersInput{MaxItems: aws.Int32(n)})
			queryError(t, err, 400, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", n))
		}
	})
}

func TestAccessKeys(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.createUser("alice")

	t.Run("create, list, limit", func(t *testing.T) {
		out, err := v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
		require.NoError(t, err)
		k := out.AccessKey
		assert.Equal(t, "alice", aws.ToString(k.UserName))
		assert.Regexp(t, `^AKIA[A-Z2-7]{16}$`, aws.ToString(k.AccessKeyId))
		assert.Len(t, aws.ToString(k.SecretAccessKey), 40)
		assert.Equal(t, iamtypes.StatusTypeActive, k.Status)
		second := v.key("alice")

		_, err = v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
		var e *iamtypes.LimitExceededException
		require.ErrorAs(t, err, &e)
		queryError(t, err, 409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")

		list, err := v.iam.ListAccessKeys(v.ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
		require.NoError(t, err)
		var ids []string
		for _, m := range list.AccessKeyMetadata {
			ids = append(ids, aws.ToString(m.AccessKeyId))
			assert.Equal(t, "alice", aws.ToString(m.UserName))
		}
		assert.ElementsMatch(t, []string{aws.ToString(k.AccessKeyId), second.AccessKeyID}, ids)

		self, err := v.IAM(second).ListAccessKeys(v.ctx, &iam.ListAccessKeysInput{})
		require.NoError(t, err)
		assert.Len(t, self.AccessKeyMetadata, 2, "a user lists its own keys without naming itself")
	})
	t.Run("root keys", func(t *testing.T) {
		list, err := v.iam.ListAccessKeys(v.ctx, &iam.ListAccessKeysInput{})
		require.NoError(t, err)
		require.Len(t, list.AccessKeyMetadata, 1)
		assert.Equal(t, v.Root().AccessKeyID, aws.ToString(list.AccessKeyMetadata[0].AccessKeyId))
		out, err := v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{})
		require.NoError(t, err)
		_, err = v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{})
		queryError(t, err, 409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
		_, err = v.iam.DeleteAccessKey(v.ctx, &iam.DeleteAccessKeyInput{AccessKeyId: out.AccessKey.AccessKeyId})
		require.NoError(t, err)
	})
	t.Run("unknown user and key", func(t *testing.T) {
		_, err := v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
		queryError(t, err, 404, "NoSuchEntity", "The user with name nobody cannot be found.")
		_, err = v.iam.ListAccessKeys(v.ctx, &iam.ListAccessKeysInput{UserName: aws.String("nobody")})
		queryError(t, err, 404, "NoSuchEntity", "The user with name nobody cannot be found.")
		_, err = v.iam.DeleteAccessKey(v.ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String("AKIAAAAAAAAAAAAAAAAA")})
		queryError(t, err, 404, "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.")
		_, err = v.iam.DeleteAccessKey(v.ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(v.Root().AccessKeyID)})
		queryError(t, err, 404, "NoSuchEntity", fmt.Sprintf("The Access Key with id %s cannot be found.", v.Root().AccessKeyID))
	})
}

func TestRoles(t *testing.T) {
	t.Parallel()
	v := newEnv(t)

	t.Run("CreateRole and GetRole", func(t *testing.T) {
		out, err := v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), Path: aws.String("/team/"),
			AssumeRolePolicyDocument: aws.String(trustAccount), Description: aws.String("admins")})
		require.NoError(t, err)
		r := out.Role
		assert.Equal(t, "arn:aws:iam::111122223333:role/team/admin", aws.ToString(r.Arn))
		assert.Regexp(t, `^AROA[A-Z2-7]{17}$`, aws.ToString(r.RoleId))
		assert.Equal(t, "/team/", aws.ToString(r.Path))
		assert.Equal(t, "admins", aws.ToString(r.Description))
		assert.Equal(t, int32(3600), aws.ToInt32(r.MaxSessionDuration))
		doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
		require.NoError(t, err)
		assert.Equal(t, trustAccount, doc, "IAM returns policy documents URL-encoded")

		got, err := v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("ADMIN")})
		require.NoError(t, err)
		assert.Equal(t, aws.ToString(r.RoleId), aws.ToString(got.Role.RoleId), "names are case-insensitive")
		assert.Equal(t, aws.ToString(r.AssumeRolePolicyDocument), aws.ToString(got.Role.AssumeRolePolicyDocument))
	})
	t.Run("duplicate", func(t *testing.T) {
		_, err := v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(trustAccount)})
		var e *iamtypes.EntityAlreadyExistsException
		require.ErrorAs(t, err, &e)
		queryError(t, err, 409, "EntityAlreadyExists", "Role with name admin already exists.")
	})
	t.Run("MaxSessionDuration", func(t *testing.T) {
		_, err := v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String("short"), AssumeRolePolicyDocument: aws.String(trustAccount), MaxSessionDuration: aws.Int32(3599)})
		queryError(t, err, 400, "ValidationError", "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
		_, err = v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String("long"), AssumeRolePolicyDocument: aws.String(trustAccount), MaxSessionDuration: aws.Int32(43201)})
		queryError(t, err, 400, "ValidationError", "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200")
		out, err := v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String("long"), AssumeRolePolicyDocument: aws.String(trustAccount), MaxSessionDuration: aws.Int32(43200)})
		require.NoError(t, err)
		assert.Equal(t, int32(43200), aws.ToInt32(out.Role.MaxSessionDuration))
	})
	t.Run("missing role", func(t *testing.T) {
		_, err := v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("ghost")})
		var e *iamtypes.NoSuchEntityException
		require.ErrorAs(t, err, &e)
		queryError(t, err, 404, "NoSuchEntity", "The role with name ghost cannot be found.")
		_, err = v.iam.DeleteRole(v.ctx, &iam.DeleteRoleInput{RoleName: aws.String("ghost")})
		queryError(t, err, 404, "NoSuchEntity", "The role with name ghost cannot be found.")
		_, err = v.iam.UpdateAssumeRolePolicy(v.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("ghost"), PolicyDocument: aws.String(trustAccount)})
		queryError(t, err, 404, "NoSuchEntity", "The role with name ghost cannot be found.")
	})
	t.Run("DeleteRole", func(t *testing.T) {
		v.createRole("doomed", "", trustAccount)
		_, err := v.iam.DeleteRole(v.ctx, &iam.DeleteRoleInput{RoleName: aws.String("doomed")})
		require.NoError(t, err)
		_, err = v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("doomed")})
		queryError(t, err, 404, "NoSuchEntity", "The role with name doomed cannot be found.")
	})
}

func TestTrustPolicyValidation(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.createUser("alice")
	cases := map[string]struct{ doc, msg string }{
		"invalid JSON":             {`{"Version":"2012-10-17","Statement":[`, "This policy contains invalid Json"},
		"trailing garbage":         {trustAccount + `}`, "This policy contains invalid Json"},
		"nonexistent user":         {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/nobody"},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/nobody"`},
		"nonexistent role":         {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/ghost"]},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/ghost"`},
		"user with the wrong path": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/x/alice"},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/x/alice"`},
		"not an ARN":               {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "AWS":"alice"`},
		"unknown account":          {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "AWS":"arn:aws:iam::444455556666:root"`},
		"no Statement":             {`{"Version":"2012-10-17"}`, "Missing required field Statement"},
		"bad effect":               {`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`, "Invalid effect: Maybe"},
		"Resource present":         {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}]}`, "Has prohibited field Resource"},
		"no Action":                {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"}}]}`, "Missing required field Action"},
		"no Principal":             {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, "Missing required field Principal"},
		"bad principal key":        {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Bogus":"x"},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "Bogus"`},
		"bad Version":              {`{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`, "The policy failed legacy parsing"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			roleName := "r-" + strings.ReplaceAll(name, " ", "-")
			_, err := v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String(roleName), AssumeRolePolicyDocument: aws.String(c.doc)})
			var e *iamtypes.MalformedPolicyDocumentException
			require.ErrorAs(t, err, &e)
			queryError(t, err, 400, "MalformedPolicyDocument", c.msg)
			_, err = v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String(roleName)})
			queryError(t, err, 404, "NoSuchEntity", fmt.Sprintf("The role with name %s cannot be found.", roleName))
		})
	}
	t.Run("accepted documents", func(t *testing.T) {
		t.Parallel()
		for i, doc := range []string{
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}}`,
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`,
			`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/any/session"},"Action":"sts:AssumeRole"}]}`,
		} {
			_, err := v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("ok%d", i)), AssumeRolePolicyDocument: aws.String(doc)})
			require.NoError(t, err, doc)
		}
	})
}

func TestUpdateAssumeRolePolicy(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.createUser("alice")
	alice := v.key("alice")
	role := v.createRole("dev", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)
	assume := func() error {
		_, err := v.STS(alice).AssumeRole(v.ctx, &sts.AssumeRoleInput{RoleArn: role.Arn, RoleSessionName: aws.String("s1")})
		return err
	}
	queryError(t, assume(), 403, "AccessDenied", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/dev")

	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}`
	_, err := v.iam.UpdateAssumeRolePolicy(v.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("dev"), PolicyDocument: aws.String(allow)})
	require.NoError(t, err)
	require.NoError(t, assume())
	got, err := v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("dev")})
	require.NoError(t, err)
	doc, err := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
	require.NoError(t, err)
	assert.Equal(t, allow, doc)

	_, err = v.iam.UpdateAssumeRolePolicy(v.ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("dev"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/ghost"},"Action":"sts:AssumeRole"}]}`)})
	queryError(t, err, 400, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/ghost"`)
	require.NoError(t, assume(), "a refused update keeps the old policy")
}

func TestListRolesPagination(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	for _, n := range []string{"r3", "r1", "r5", "r2", "r4"} {
		v.createRole(n, "", trustAccount)
	}
	v.createRole("svc", "/service/", trustAccount)

	t.Run("Marker and IsTruncated", func(t *testing.T) {
		var names []string
		var marker *string
		pages := 0
		for {
			out, err := v.iam.ListRoles(v.ctx, &iam.ListRolesInput{MaxItems: aws.Int32(4), Marker: marker})
			require.NoError(t, err)
			pages++
			for _, r := range out.Roles {
				names = append(names, aws.ToString(r.RoleName))
			}
			if !out.IsTruncated {
				break
			}
			marker = out.Marker
		}
		assert.Equal(t, []string{"r1", "r2", "r3", "r4", "r5", "svc"}, names)
		assert.Equal(t, 2, pages)
	})
	t.Run("PathPrefix", func(t *testing.T) {
		out, err := v.iam.ListRoles(v.ctx, &iam.ListRolesInput{PathPrefix: aws.String("/service/")})
		require.NoError(t, err)
		require.Len(t, out.Roles, 1)
		assert.Equal(t, "arn:aws:iam::111122223333:role/service/svc", aws.ToString(out.Roles[0].Arn))
	})
	t.Run("exactly one full page", func(t *testing.T) {
		out, err := v.iam.ListRoles(v.ctx, &iam.ListRolesInput{MaxItems: aws.Int32(6)})
		require.NoError(t, err)
		assert.Len(t, out.Roles, 6)
		assert.False(t, out.IsTruncated)
		assert.Nil(t, out.Marker)
	})
}

// TestErrorMappingIsTotal: every store Kind has an IAM code, and only internal
// errors are server faults.
func TestErrorMappingIsTotal(t *testing.T) {
	t.Parallel()
	svc, ok := iamapi.New(iamapi.Deps{}).(*awsquery.Service)
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
