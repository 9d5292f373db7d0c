package eksapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator/emulatortest"
	"github.com/eksemu/eksemu/store"
)

const (
	acct        = "111122223333"
	region      = "us-east-1"
	clusterRole = "arn:aws:iam::111122223333:role/eks-cluster"
	policyARN   = "arn:aws:eks::aws:cluster-access-policy/"
	// trustAccount lets every principal of the account assume a role.
	trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`

	msgConfigMapGate = "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
	msgEntryNotFound = "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'."
	msgNotStandard   = `This operation can only be performed on Access Entries with a type of "STANDARD".`
	msgInUse         = "The specified access entry resource is already in use on this cluster."
	msgBadPrincipal  = "The specified principalArn is invalid: invalid principal."
	msgBadFormat     = "The principalArn parameter format is not valid"
)

var entryARNPattern = regexp.MustCompile(`^arn:aws:eks:us-east-1:111122223333:access-entry/([^/]+)/(role|user)/111122223333/([^/]+)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// env is one emulator with root clients and helpers to populate it.
type env struct {
	*emulatortest.Emulator
	t   *testing.T
	ctx context.Context
	eks *eks.Client
	iam *iam.Client
}

func newEnv(t *testing.T, opts ...emulatortest.Option) *env {
	t.Helper()
	e := emulatortest.New(t, opts...)
	return &env{Emulator: e, t: t, ctx: context.Background(), eks: e.EKS(), iam: e.IAM()}
}

// newClockEnv runs the emulator on a manual clock with the given update delay.
func newClockEnv(t *testing.T, delay time.Duration) (*env, *emulatortest.Clock) {
	t.Helper()
	clock := emulatortest.NewClock(time.Now())
	v := newEnv(t, emulatortest.WithClock(clock), emulatortest.WithConfig(func(c *config.Config) { c.UpdateDelay = delay }))
	return v, clock
}

func (v *env) role(path, name string) string {
	v.t.Helper()
	out, err := v.iam.CreateRole(v.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(trustAccount)})
	require.NoError(v.t, err)
	return aws.ToString(out.Role.Arn)
}

func (v *env) user(path, name string) string {
	v.t.Helper()
	out, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)})
	require.NoError(v.t, err)
	return aws.ToString(out.User.Arn)
}

// userCreds creates a user with an access key and returns its credentials.
func (v *env) userCreds(name string) emulatortest.Credentials {
	v.t.Helper()
	v.user("/", name)
	k, err := v.iam.CreateAccessKey(v.ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	require.NoError(v.t, err)
	return emulatortest.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
}

func clusterInput(name string, mode ekstypes.AuthenticationMode) *eks.CreateClusterInput {
	in := &eks.CreateClusterInput{Name: aws.String(name), RoleArn: aws.String(clusterRole),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1", "subnet-2"}}}
	if mode != "" {
		in.AccessConfig = &ekstypes.CreateAccessConfigRequest{AuthenticationMode: mode}
	}
	return in
}

// cluster creates a cluster as root in the given mode ("" = the default).
func (v *env) cluster(name string, mode ekstypes.AuthenticationMode) *ekstypes.Cluster {
	v.t.Helper()
	out, err := v.eks.CreateCluster(v.ctx, clusterInput(name, mode))
	require.NoError(v.t, err)
	return out.Cluster
}

func (v *env) entry(cluster string, in *eks.CreateAccessEntryInput) *ekstypes.AccessEntry {
	v.t.Helper()
	in.ClusterName = aws.String(cluster)
	out, err := v.eks.CreateAccessEntry(v.ctx, in)
	require.NoError(v.t, err)
	return out.AccessEntry
}

func (v *env) entries(cluster string) []string {
	v.t.Helper()
	out, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String(cluster)})
	require.NoError(v.t, err)
	return out.AccessEntries
}

func (v *env) associate(cluster, principal, policy string, scope ekstypes.AccessScope) (*eks.AssociateAccessPolicyOutput, error) {
	return v.eks.AssociateAccessPolicy(v.ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String(cluster),
		PrincipalArn: aws.String(principal), PolicyArn: aws.String(policy), AccessScope: &scope})
}

func (v *env) associated(cluster, principal string) []ekstypes.AssociatedAccessPolicy {
	v.t.Helper()
	out, err := v.eks.ListAssociatedAccessPolicies(v.ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(principal)})
	require.NoError(v.t, err)
	return out.AssociatedAccessPolicies
}

var clusterScope = ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}

func nsScope(ns ...string) ekstypes.AccessScope {
	return ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: ns}
}

// apiError asserts that err is the typed EKS error T with the given HTTP status and message.
func apiError[T interface {
	error
	ErrorMessage() string
}](t *testing.T, err error, status int, msg string) T {
	t.Helper()
	var target T
	require.Error(t, err)
	require.ErrorAs(t, err, &target, "got %v", err)
	assert.Equal(t, msg, target.ErrorMessage())
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, status, re.HTTPStatusCode())
	return target
}

func invalidParameter(t *testing.T, err error, cluster, msg string) {
	t.Helper()
	e := apiError[*ekstypes.InvalidParameterException](t, err, 400, msg)
	assert.Equal(t, cluster, aws.ToString(e.ClusterName))
}

func TestCreateCluster(t *testing.T) {
	t.Parallel()

	t.Run("defaults to CONFIG_MAP with the creator bootstrapped", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		before := time.Now().Add(-time.Second)
		in := clusterInput("c1", "")
		in.ClientRequestToken = aws.String("11111111-2222-3333-4444-555555555555")
		out, err := v.eks.CreateCluster(v.ctx, in)
		require.NoError(t, err)
		c := out.Cluster
		assert.Equal(t, "c1", aws.ToString(c.Name))
		assert.Equal(t, "arn:aws:eks:us-east-1:111122223333:cluster/c1", aws.ToString(c.Arn))
		assert.Equal(t, ekstypes.ClusterStatusCreating, c.Status)
		assert.Equal(t, ekstypes.AuthenticationModeConfigMap, c.AccessConfig.AuthenticationMode)
		assert.Nil(t, c.AccessConfig.BootstrapClusterCreatorAdminPermissions, "the API does not return the bootstrap flag")
		assert.Equal(t, store.DefaultVersion, aws.ToString(c.Version))
		assert.NotEmpty(t, aws.ToString(c.PlatformVersion))
		assert.Equal(t, clusterRole, aws.ToString(c.RoleArn))
		assert.Equal(t, []string{"subnet-1", "subnet-2"}, c.ResourcesVpcConfig.SubnetIds)
		assert.Nil(t, c.Endpoint, "no endpoint while CREATING")
		require.NotNil(t, c.CertificateAuthority)
		assert.Nil(t, c.CertificateAuthority.Data)
		assert.Equal(t, "11111111-2222-3333-4444-555555555555", aws.ToString(c.ClientRequestToken))
		assert.Empty(t, c.Tags)
		require.NotNil(t, c.CreatedAt)
		assert.WithinRange(t, *c.CreatedAt, before, time.Now().Add(time.Second))
		require.NotNil(t, c.Identity)
		assert.Regexp(t, `^https://oidc\.eks\.us-east-1\.amazonaws\.com/id/[0-9A-F]{32}$`, aws.ToString(c.Identity.Oidc.Issuer))

		stored, err := v.Server.DB().GetCluster(v.ctx, store.ClusterKey{Account: acct, Region: region, Name: "c1"})
		require.NoError(t, err)
		assert.True(t, stored.BootstrapAdmin)
		assert.Equal(t, store.ModeConfigMap, stored.AuthMode)
	})

	t.Run("bootstrap false with CONFIG_MAP is rejected", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		const msg = "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP"
		for _, mode := range []ekstypes.AuthenticationMode{ekstypes.AuthenticationModeConfigMap, ""} {
			in := clusterInput("c1", mode)
			if in.AccessConfig == nil {
				in.AccessConfig = &ekstypes.CreateAccessConfigRequest{}
			}
			in.AccessConfig.BootstrapClusterCreatorAdminPermissions = aws.Bool(false)
			_, err := v.eks.CreateCluster(v.ctx, in)
			invalidParameter(t, err, "c1", msg)
		}
		list, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{})
		require.NoError(t, err)
		assert.Empty(t, list.Clusters, "a refused create leaves nothing behind")
	})

	t.Run("bootstrap false with API creates no creator entry", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		in := clusterInput("c1", ekstypes.AuthenticationModeApi)
		in.AccessConfig.BootstrapClusterCreatorAdminPermissions = aws.Bool(false)
		_, err := v.eks.CreateCluster(v.ctx, in)
		require.NoError(t, err)
		assert.Empty(t, v.entries("c1"))
	})

	t.Run("bootstrap true with API shows the creator entry at once", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		v.cluster("c1", ekstypes.AuthenticationModeApiAndConfigMap)
		assert.Equal(t, []string{"arn:aws:iam::111122223333:root"}, v.entries("c1"))
	})

	t.Run("duplicate name is ResourceInUse", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		v.cluster("dup", "")
		_, err := v.eks.CreateCluster(v.ctx, clusterInput("dup", ekstypes.AuthenticationModeApi))
		e := apiError[*ekstypes.ResourceInUseException](t, err, 409, "Cluster already exists with name: dup")
		assert.Equal(t, "dup", aws.ToString(e.ClusterName))
		d, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("dup")})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.AuthenticationModeConfigMap, d.Cluster.AccessConfig.AuthenticationMode, "the original is untouched")
	})

	t.Run("retry with the same client request token returns the original", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		in := clusterInput("idem", "")
		in.ClientRequestToken = aws.String("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
		first, err := v.eks.CreateCluster(v.ctx, in)
		require.NoError(t, err)
		again, err := v.eks.CreateCluster(v.ctx, in)
		require.NoError(t, err)
		assert.Equal(t, aws.ToString(first.Cluster.Arn), aws.ToString(again.Cluster.Arn))
		assert.Equal(t, first.Cluster.CreatedAt, again.Cluster.CreatedAt)
		assert.Equal(t, aws.ToString(first.Cluster.Identity.Oidc.Issuer), aws.ToString(again.Cluster.Identity.Oidc.Issuer))
		list, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{})
		require.NoError(t, err)
		assert.Equal(t, []string{"idem"}, list.Clusters)

		in.ClientRequestToken = aws.String("ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee")
		_, err = v.eks.CreateCluster(v.ctx, in)
		apiError[*ekstypes.ResourceInUseException](t, err, 409, "Cluster already exists with name: idem")
	})

	t.Run("unsupported version", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		for _, ver := range []string{"1.10", "1.99", "latest"} {
			in := clusterInput("old", "")
			in.Version = aws.String(ver)
			_, err := v.eks.CreateCluster(v.ctx, in)
			invalidParameter(t, err, "old", "unsupported Kubernetes version")
		}
	})

	t.Run("every supported version is accepted", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		for _, ver := range store.SupportedVersions() {
			in := clusterInput("v"+strings.ReplaceAll(ver, ".", "-"), "")
			in.Version = aws.String(ver)
			out, err := v.eks.CreateCluster(v.ctx, in)
			require.NoError(t, err, ver)
			assert.Equal(t, ver, aws.ToString(out.Cluster.Version))
		}
	})

	t.Run("invalid name", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		_, err := v.eks.CreateCluster(v.ctx, clusterInput("-bad", ""))
		invalidParameter(t, err, "", "The name parameter contains invalid characters. It should begin with letter or digit and can have any of the following characters: the set of Unicode letters, digits, hyphens and underscores.")
	})

	t.Run("tags are stored", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		in := clusterInput("tagged", "")
		in.Tags = map[string]string{"team": "a", "env": "dev"}
		out, err := v.eks.CreateCluster(v.ctx, in)
		require.NoError(t, err)
		assert.Equal(t, in.Tags, out.Cluster.Tags)
		tags, err := v.eks.ListTagsForResource(v.ctx, &eks.ListTagsForResourceInput{ResourceArn: out.Cluster.Arn})
		require.NoError(t, err)
		assert.Equal(t, in.Tags, tags.Tags)
	})

	t.Run("the creator's entry is that of an IAM user", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		alice := v.userCreds("alice")
		_, err := v.EKS(alice).CreateCluster(v.ctx, clusterInput("c1", ekstypes.AuthenticationModeApi))
		require.NoError(t, err)
		const arn = "arn:aws:iam::111122223333:user/alice"
		assert.Equal(t, []string{arn}, v.entries("c1"))
		d, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, arn, aws.ToString(d.AccessEntry.Username))
		assert.Equal(t, "STANDARD", aws.ToString(d.AccessEntry.Type))
		assert.Regexp(t, entryARNPattern, aws.ToString(d.AccessEntry.AccessEntryArn))
	})
}

// TestCreatorBootstrap follows the workshop sequence (eks-api.md §3.7a): a
// cluster created by an assumed role in CONFIG_MAP mode hides the creator's
// entry until the mode allows the access-entry API.
func TestCreatorBootstrap(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	alice := v.userCreds("alice")
	roleARN := v.role("/team/", "admin")
	require.Equal(t, "arn:aws:iam::111122223333:role/team/admin", roleARN)
	ar, err := v.STS(alice).AssumeRole(v.ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("i-0099")})
	require.NoError(t, err)
	sess := emulatortest.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar.Credentials.SessionToken)}
	created, err := v.EKS(sess).CreateCluster(v.ctx, clusterInput("ws", ""))
	require.NoError(t, err)

	t.Run("hidden while CONFIG_MAP", func(t *testing.T) {
		_, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("ws")})
		e := apiError[*ekstypes.InvalidRequestException](t, err, 400, msgConfigMapGate)
		assert.Equal(t, "ws", aws.ToString(e.ClusterName))
		_, err = v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("ws"), PrincipalArn: aws.String(roleARN)})
		apiError[*ekstypes.InvalidRequestException](t, err, 400, msgConfigMapGate)
	})

	t.Run("visible after switching to API_AND_CONFIG_MAP", func(t *testing.T) {
		_, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("ws"),
			AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}})
		require.NoError(t, err)
		assert.Equal(t, []string{roleARN}, v.entries("ws"), "the entry holds the role ARN with its path, not the session ARN")
		d, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("ws"), PrincipalArn: aws.String(roleARN)})
		require.NoError(t, err)
		ae := d.AccessEntry
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/admin/{{SessionName}}", aws.ToString(ae.Username), "role path stripped in the username")
		assert.Equal(t, roleARN, aws.ToString(ae.PrincipalArn))
		assert.Equal(t, "STANDARD", aws.ToString(ae.Type))
		assert.Empty(t, ae.KubernetesGroups)
		assert.Empty(t, ae.Tags)
		assert.Equal(t, created.Cluster.CreatedAt, ae.CreatedAt, "created with the cluster, before the switch")
		assert.Equal(t, ae.CreatedAt, ae.ModifiedAt)
		assert.Regexp(t, entryARNPattern, aws.ToString(ae.AccessEntryArn))
		assert.Equal(t, []string{"ws", "role", "admin"}, entryARNPattern.FindStringSubmatch(aws.ToString(ae.AccessEntryArn))[1:])

		pols := v.associated("ws", roleARN)
		require.Len(t, pols, 1)
		assert.Equal(t, policyARN+"AmazonEKSClusterAdminPolicy", aws.ToString(pols[0].PolicyArn))
		assert.Equal(t, ekstypes.AccessScopeTypeCluster, pols[0].AccessScope.Type)
		assert.Empty(t, pols[0].AccessScope.Namespaces)
		assert.Equal(t, created.Cluster.CreatedAt, pols[0].AssociatedAt)
	})

	t.Run("explicitly creating the creator's entry is a duplicate", func(t *testing.T) {
		_, err := v.eks.CreateAccessEntry(v.ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("ws"), PrincipalArn: aws.String(roleARN)})
		apiError[*ekstypes.ResourceInUseException](t, err, 409, msgInUse)
	})

	t.Run("the creator's entry can be deleted", func(t *testing.T) {
		_, err := v.eks.DeleteAccessEntry(v.ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String("ws"), PrincipalArn: aws.String(roleARN)})
		require.NoError(t, err)
		assert.Empty(t, v.entries("ws"))
	})
}

func TestDescribeCluster(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	in := clusterInput("c1", ekstypes.AuthenticationModeApi)
	in.Version = aws.String("1.33")
	created, err := v.eks.CreateCluster(v.ctx, in)
	require.NoError(t, err)

	t.Run("returns the cluster", func(t *testing.T) {
		t.Parallel()
		out, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		c := out.Cluster
		assert.Equal(t, ekstypes.ClusterStatusActive, c.Status)
		assert.Equal(t, aws.ToString(created.Cluster.Arn), aws.ToString(c.Arn))
		assert.Equal(t, created.Cluster.CreatedAt, c.CreatedAt)
		assert.Equal(t, "1.33", aws.ToString(c.Version))
		assert.Equal(t, ekstypes.AuthenticationModeApi, c.AccessConfig.AuthenticationMode)
		assert.Nil(t, c.AccessConfig.BootstrapClusterCreatorAdminPermissions)
		assert.Equal(t, []string{"subnet-1", "subnet-2"}, c.ResourcesVpcConfig.SubnetIds)
		assert.True(t, c.ResourcesVpcConfig.EndpointPublicAccess)
		assert.False(t, c.ResourcesVpcConfig.EndpointPrivateAccess)
		assert.Equal(t, aws.ToString(created.Cluster.Identity.Oidc.Issuer), aws.ToString(c.Identity.Oidc.Issuer))
	})

	t.Run("missing cluster", func(t *testing.T) {
		t.Parallel()
		_, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("nope")})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
		assert.Equal(t, "nope", aws.ToString(e.ClusterName))
	})

	t.Run("clusters are regional", func(t *testing.T) {
		t.Parallel()
		cfg := v.AWSConfig(v.Root())
		cfg.Region = "eu-west-1"
		_, err := eks.NewFromConfig(cfg).DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: c1.")
	})
}

func TestListClusters(t *testing.T) {
	t.Parallel()
	v := newEnv(t)

	t.Run("empty", func(t *testing.T) {
		out, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{})
		require.NoError(t, err)
		assert.Empty(t, out.Clusters)
		assert.Nil(t, out.NextToken)
	})

	for _, n := range []string{"echo", "alpha", "delta", "Bravo", "charlie"} {
		v.cluster(n, "")
	}
	all := []string{"Bravo", "alpha", "charlie", "delta", "echo"}

	t.Run("sorted, one page by default", func(t *testing.T) {
		out, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{})
		require.NoError(t, err)
		assert.Equal(t, all, out.Clusters)
		assert.Nil(t, out.NextToken)
	})

	t.Run("maxResults and nextToken", func(t *testing.T) {
		var got []string
		var token *string
		pages := 0
		for {
			out, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{MaxResults: aws.Int32(2), NextToken: token})
			require.NoError(t, err)
			assert.LessOrEqual(t, len(out.Clusters), 2)
			got = append(got, out.Clusters...)
			pages++
			if out.NextToken == nil {
				break
			}
			token = out.NextToken
		}
		assert.Equal(t, all, got)
		assert.Equal(t, 3, pages)
	})

	t.Run("paginator", func(t *testing.T) {
		p := eks.NewListClustersPaginator(v.eks, &eks.ListClustersInput{MaxResults: aws.Int32(1)})
		var got []string
		for p.HasMorePages() {
			out, err := p.NextPage(v.ctx)
			require.NoError(t, err)
			got = append(got, out.Clusters...)
		}
		assert.Equal(t, all, got)
	})

	t.Run("maxResults out of range", func(t *testing.T) {
		for n, constraint := range map[int32]string{0: "greater than or equal to 1", 101: "less than or equal to 100"} {
			_, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{MaxResults: aws.Int32(n)})
			invalidParameter(t, err, "", fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value %s", n, constraint))
		}
	})

	t.Run("bad nextToken", func(t *testing.T) {
		_, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{NextToken: aws.String("!!not-a-token!!")})
		invalidParameter(t, err, "", "The nextToken provided is not valid.")
	})

	t.Run("other regions see none", func(t *testing.T) {
		cfg := v.AWSConfig(v.Root())
		cfg.Region = "us-west-2"
		out, err := eks.NewFromConfig(cfg).ListClusters(v.ctx, &eks.ListClustersInput{})
		require.NoError(t, err)
		assert.Empty(t, out.Clusters)
	})
}

func TestDeleteCluster(t *testing.T) {
	t.Parallel()

	t.Run("returns DELETING and the cluster is gone", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		created := v.cluster("c1", "")
		out, err := v.eks.DeleteCluster(v.ctx, &eks.DeleteClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.ClusterStatusDeleting, out.Cluster.Status)
		assert.Equal(t, aws.ToString(created.Arn), aws.ToString(out.Cluster.Arn))
		assert.Equal(t, ekstypes.AuthenticationModeConfigMap, out.Cluster.AccessConfig.AuthenticationMode)
		_, err = v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: c1.")
		list, err := v.eks.ListClusters(v.ctx, &eks.ListClustersInput{})
		require.NoError(t, err)
		assert.Empty(t, list.Clusters)
	})

	t.Run("missing cluster", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		_, err := v.eks.DeleteCluster(v.ctx, &eks.DeleteClusterInput{Name: aws.String("nope")})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
		assert.Equal(t, "nope", aws.ToString(e.ClusterName))
	})

	t.Run("cascades to entries, associations, updates and tags", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		v.cluster("c1", ekstypes.AuthenticationModeApiAndConfigMap)
		dev := v.role("/", "dev")
		ae := v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(dev), Tags: map[string]string{"k": "v"}})
		_, err := v.associate("c1", dev, policyARN+"AmazonEKSViewPolicy", nsScope("default"))
		require.NoError(t, err)
		_, err = v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"),
			AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
		require.NoError(t, err)

		_, err = v.eks.DeleteCluster(v.ctx, &eks.DeleteClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		_, err = v.eks.ListTagsForResource(v.ctx, &eks.ListTagsForResourceInput{ResourceArn: ae.AccessEntryArn})
		apiError[*ekstypes.NotFoundException](t, err, 404, fmt.Sprintf("Resource %s not found", aws.ToString(ae.AccessEntryArn)))

		v.cluster("c1", ekstypes.AuthenticationModeApi)
		assert.Equal(t, []string{"arn:aws:iam::111122223333:root"}, v.entries("c1"), "only the new creator entry")
		_, err = v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(dev)})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
		ups, err := v.eks.ListUpdates(v.ctx, &eks.ListUpdatesInput{Name: aws.String("c1")})
		require.NoError(t, err)
		assert.Empty(t, ups.UpdateIds)
		re := v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(dev)})
		assert.Empty(t, re.Tags)
		assert.NotEqual(t, aws.ToString(ae.AccessEntryArn), aws.ToString(re.AccessEntryArn), "a re-created entry gets a new ARN")
		assert.Empty(t, v.associated("c1", dev))
	})

	t.Run("deletion protection", func(t *testing.T) {
		t.Parallel()
		v := newEnv(t)
		in := clusterInput("safe", "")
		in.DeletionProtection = aws.Bool(true)
		_, err := v.eks.CreateCluster(v.ctx, in)
		require.NoError(t, err)
		_, err = v.eks.DeleteCluster(v.ctx, &eks.DeleteClusterInput{Name: aws.String("safe")})
		e := apiError[*ekstypes.InvalidRequestException](t, err, 400, "Cannot delete cluster safe because deletion protection is enabled. Disable deletion protection and try again.")
		assert.Equal(t, "safe", aws.ToString(e.ClusterName))
		_, err = v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("safe"), DeletionProtection: aws.Bool(false)})
		require.NoError(t, err)
		_, err = v.eks.DeleteCluster(v.ctx, &eks.DeleteClusterInput{Name: aws.String("safe")})
		require.NoError(t, err)
	})
}

func updateMode(mode ekstypes.AuthenticationMode) *ekstypes.UpdateAccessConfigRequest {
	return &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: mode}
}

func TestUpdateClusterConfigLadder(t *testing.T) {
	t.Parallel()
	const (
		cm   = ekstypes.AuthenticationModeConfigMap
		both = ekstypes.AuthenticationModeApiAndConfigMap
		api  = ekstypes.AuthenticationModeApi
	)
	v := newEnv(t)
	v.cluster("c1", "")
	update := func(mode ekstypes.AuthenticationMode) (*eks.UpdateClusterConfigOutput, error) {
		return v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"), AccessConfig: updateMode(mode)})
	}
	refused := func(t *testing.T, from, to ekstypes.AuthenticationMode) {
		t.Helper()
		_, err := update(to)
		invalidParameter(t, err, "c1", fmt.Sprintf("Unsupported authentication mode update from %s to %s", from, to))
	}
	mode := func() ekstypes.AuthenticationMode {
		d, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		return d.Cluster.AccessConfig.AuthenticationMode
	}

	t.Run("CONFIG_MAP cannot skip to API or stay", func(t *testing.T) {
		refused(t, cm, api)
		refused(t, cm, cm)
		assert.Equal(t, cm, mode())
	})
	t.Run("CONFIG_MAP to API_AND_CONFIG_MAP", func(t *testing.T) {
		out, err := update(both)
		require.NoError(t, err)
		u := out.Update
		assert.Equal(t, ekstypes.UpdateTypeAccessConfigUpdate, u.Type)
		require.Len(t, u.Params, 1)
		assert.Equal(t, ekstypes.UpdateParamTypeAuthenticationMode, u.Params[0].Type)
		assert.Equal(t, `"API_AND_CONFIG_MAP"`, aws.ToString(u.Params[0].Value))
		assert.Empty(t, u.Errors)
		assert.NotEmpty(t, aws.ToString(u.Id))
		assert.Equal(t, both, mode())
	})
	t.Run("no way back, no same mode", func(t *testing.T) {
		refused(t, both, cm)
		refused(t, both, both)
	})
	t.Run("API_AND_CONFIG_MAP to API", func(t *testing.T) {
		out, err := update(api)
		require.NoError(t, err)
		assert.Equal(t, `"API"`, aws.ToString(out.Update.Params[0].Value))
		assert.Equal(t, api, mode())
	})
	t.Run("API is final", func(t *testing.T) {
		refused(t, api, both)
		refused(t, api, cm)
		refused(t, api, api)
	})
	t.Run("unknown mode fails model validation", func(t *testing.T) {
		_, err := update("FOO")
		invalidParameter(t, err, "c1", "1 validation error detected: Value 'FOO' at 'accessConfig.authenticationMode' failed to satisfy constraint: Member must satisfy enum value set: [API, API_AND_CONFIG_MAP, CONFIG_MAP]")
	})
	t.Run("missing cluster", func(t *testing.T) {
		_, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("nope"), AccessConfig: updateMode(both)})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
		assert.Equal(t, "nope", aws.ToString(e.ClusterName))
	})
	t.Run("only one kind of update per request", func(t *testing.T) {
		_, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"), AccessConfig: updateMode(api),
			Logging: &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{{Enabled: aws.Bool(true), Types: []ekstypes.LogType{ekstypes.LogTypeApi}}}}})
		invalidParameter(t, err, "c1", "Only one type of update can be allowed.")
	})
	t.Run("an update without changes", func(t *testing.T) {
		_, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1")})
		invalidParameter(t, err, "c1", "No changes needed for the cluster configuration provided.")
	})
}

func TestUpdateInProgress(t *testing.T) {
	t.Parallel()
	v, clock := newClockEnv(t, time.Minute)
	v.cluster("c1", "")
	token := aws.String("99999999-8888-7777-6666-555555555555")
	out, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"), ClientRequestToken: token,
		AccessConfig: updateMode(ekstypes.AuthenticationModeApiAndConfigMap)})
	require.NoError(t, err)
	u := out.Update
	id := aws.ToString(u.Id)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, id)
	assert.Equal(t, ekstypes.UpdateStatusInProgress, u.Status)
	assert.Equal(t, `"API_AND_CONFIG_MAP"`, aws.ToString(u.Params[0].Value))
	require.NotNil(t, u.CreatedAt)
	assert.WithinDuration(t, clock.Now(), *u.CreatedAt, time.Second)

	t.Run("cluster is UPDATING and keeps its old mode", func(t *testing.T) {
		d, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.ClusterStatusUpdating, d.Cluster.Status)
		assert.Equal(t, ekstypes.AuthenticationModeConfigMap, d.Cluster.AccessConfig.AuthenticationMode)
		_, err = v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1")})
		apiError[*ekstypes.InvalidRequestException](t, err, 400, msgConfigMapGate)
	})
	t.Run("a second update is refused", func(t *testing.T) {
		_, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"), AccessConfig: updateMode(ekstypes.AuthenticationModeApi)})
		e := apiError[*ekstypes.ResourceInUseException](t, err, 409, fmt.Sprintf("Cannot AccessConfigUpdate because cluster c1 currently has update %s in progress", id))
		assert.Equal(t, "c1", aws.ToString(e.ClusterName))
		_, err = v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"),
			Logging: &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{{Enabled: aws.Bool(true), Types: []ekstypes.LogType{ekstypes.LogTypeApi}}}}})
		apiError[*ekstypes.ResourceInUseException](t, err, 409, fmt.Sprintf("Cannot LoggingUpdate because cluster c1 currently has update %s in progress", id))
	})
	t.Run("a retry with the same token returns the same update", func(t *testing.T) {
		again, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"), ClientRequestToken: token,
			AccessConfig: updateMode(ekstypes.AuthenticationModeApiAndConfigMap)})
		require.NoError(t, err)
		assert.Equal(t, id, aws.ToString(again.Update.Id))
		assert.Equal(t, ekstypes.UpdateStatusInProgress, again.Update.Status)
	})
	t.Run("tagging is allowed during an update", func(t *testing.T) {
		d, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		_, err = v.eks.TagResource(v.ctx, &eks.TagResourceInput{ResourceArn: d.Cluster.Arn, Tags: map[string]string{"during": "update"}})
		require.NoError(t, err)
	})
	t.Run("DescribeUpdate while in progress", func(t *testing.T) {
		d, err := v.eks.DescribeUpdate(v.ctx, &eks.DescribeUpdateInput{Name: aws.String("c1"), UpdateId: aws.String(id)})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.UpdateStatusInProgress, d.Update.Status)
	})
	t.Run("the update completes after the delay", func(t *testing.T) {
		clock.Advance(2 * time.Minute)
		d, err := v.eks.DescribeUpdate(v.ctx, &eks.DescribeUpdateInput{Name: aws.String("c1"), UpdateId: aws.String(id)})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.UpdateStatusSuccessful, d.Update.Status)
		assert.Equal(t, ekstypes.UpdateTypeAccessConfigUpdate, d.Update.Type)
		assert.Equal(t, u.CreatedAt, d.Update.CreatedAt)
		assert.Equal(t, `"API_AND_CONFIG_MAP"`, aws.ToString(d.Update.Params[0].Value))
		c, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.ClusterStatusActive, c.Cluster.Status)
		assert.Equal(t, ekstypes.AuthenticationModeApiAndConfigMap, c.Cluster.AccessConfig.AuthenticationMode)
		assert.Equal(t, []string{"arn:aws:iam::111122223333:root"}, v.entries("c1"))
		list, err := v.eks.ListUpdates(v.ctx, &eks.ListUpdatesInput{Name: aws.String("c1")})
		require.NoError(t, err)
		assert.Equal(t, []string{id}, list.UpdateIds)
	})
	t.Run("the next step is then allowed", func(t *testing.T) {
		next, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"), AccessConfig: updateMode(ekstypes.AuthenticationModeApi)})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.UpdateStatusInProgress, next.Update.Status)
		assert.NotEqual(t, id, aws.ToString(next.Update.Id))
	})
}

func TestUpdates(t *testing.T) {
	t.Parallel()
	v, clock := newClockEnv(t, 0)
	v.cluster("c1", "")
	var ids []string
	for _, m := range []ekstypes.AuthenticationMode{ekstypes.AuthenticationModeApiAndConfigMap, ekstypes.AuthenticationModeApi} {
		out, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"), AccessConfig: updateMode(m)})
		require.NoError(t, err)
		assert.Equal(t, ekstypes.UpdateStatusSuccessful, out.Update.Status, "a zero delay completes at once")
		ids = append(ids, aws.ToString(out.Update.Id))
		clock.Advance(time.Second)
	}
	out, err := v.eks.UpdateClusterConfig(v.ctx, &eks.UpdateClusterConfigInput{Name: aws.String("c1"),
		Logging: &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{{Enabled: aws.Bool(true), Types: []ekstypes.LogType{ekstypes.LogTypeApi}}}}})
	require.NoError(t, err)
	assert.Equal(t, ekstypes.UpdateTypeLoggingUpdate, out.Update.Type)
	ids = append(ids, aws.ToString(out.Update.Id))

	t.Run("ListUpdates oldest first", func(t *testing.T) {
		list, err := v.eks.ListUpdates(v.ctx, &eks.ListUpdatesInput{Name: aws.String("c1")})
		require.NoError(t, err)
		assert.Equal(t, ids, list.UpdateIds)
		assert.Nil(t, list.NextToken)
	})
	t.Run("ListUpdates pages", func(t *testing.T) {
		p := eks.NewListUpdatesPaginator(v.eks, &eks.ListUpdatesInput{Name: aws.String("c1"), MaxResults: aws.Int32(2)})
		var got []string
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(v.ctx)
			require.NoError(t, err)
			got = append(got, page.UpdateIds...)
			pages++
		}
		assert.Equal(t, ids, got)
		assert.Equal(t, 2, pages)
	})
	t.Run("DescribeUpdate", func(t *testing.T) {
		d, err := v.eks.DescribeUpdate(v.ctx, &eks.DescribeUpdateInput{Name: aws.String("c1"), UpdateId: aws.String(ids[1])})
		require.NoError(t, err)
		assert.Equal(t, ids[1], aws.ToString(d.Update.Id))
		assert.Equal(t, `"API"`, aws.ToString(d.Update.Params[0].Value))
		assert.Equal(t, ekstypes.UpdateStatusSuccessful, d.Update.Status)
	})
	t.Run("DescribeUpdate of an unknown id", func(t *testing.T) {
		_, err := v.eks.DescribeUpdate(v.ctx, &eks.DescribeUpdateInput{Name: aws.String("c1"), UpdateId: aws.String("00000000-0000-4000-8000-000000000000")})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No update found for ID: 00000000-0000-4000-8000-000000000000")
		assert.Equal(t, "c1", aws.ToString(e.ClusterName))
	})
	t.Run("updates of another cluster are not found", func(t *testing.T) {
		v.cluster("c2", "")
		_, err := v.eks.DescribeUpdate(v.ctx, &eks.DescribeUpdateInput{Name: aws.String("c2"), UpdateId: aws.String(ids[0])})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No update found for ID: "+ids[0])
	})
	t.Run("missing cluster", func(t *testing.T) {
		_, err := v.eks.ListUpdates(v.ctx, &eks.ListUpdatesInput{Name: aws.String("nope")})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
		_, err = v.eks.DescribeUpdate(v.ctx, &eks.DescribeUpdateInput{Name: aws.String("nope"), UpdateId: aws.String(ids[0])})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
	})
}

// TestAccessEntryOpsInConfigMapMode checks that every access-entry operation is
// refused while the cluster is in CONFIG_MAP mode (eks-api.md §5.1).
func TestAccessEntryOpsInConfigMapMode(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.cluster("cm", "")
	dev := v.role("/", "dev")
	c, p, pol := aws.String("cm"), aws.String(dev), aws.String(policyARN+"AmazonEKSViewPolicy")
	ops := map[string]func() error{
		"CreateAccessEntry": func() error {
			_, err := v.eks.CreateAccessEntry(v.ctx, &eks.CreateAccessEntryInput{ClusterName: c, PrincipalArn: p})
			return err
		},
		"DescribeAccessEntry": func() error {
			_, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: c, PrincipalArn: p})
			return err
		},
		"ListAccessEntries": func() error {
			_, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: c})
			return err
		},
		"UpdateAccessEntry": func() error {
			_, err := v.eks.UpdateAccessEntry(v.ctx, &eks.UpdateAccessEntryInput{ClusterName: c, PrincipalArn: p})
			return err
		},
		"DeleteAccessEntry": func() error {
			_, err := v.eks.DeleteAccessEntry(v.ctx, &eks.DeleteAccessEntryInput{ClusterName: c, PrincipalArn: p})
			return err
		},
		"AssociateAccessPolicy": func() error {
			_, err := v.associate("cm", dev, *pol, clusterScope)
			return err
		},
		"ListAssociatedAccessPolicies": func() error {
			_, err := v.eks.ListAssociatedAccessPolicies(v.ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: c, PrincipalArn: p})
			return err
		},
		"DisassociateAccessPolicy": func() error {
			_, err := v.eks.DisassociateAccessPolicy(v.ctx, &eks.DisassociateAccessPolicyInput{ClusterName: c, PrincipalArn: p, PolicyArn: pol})
			return err
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := apiError[*ekstypes.InvalidRequestException](t, op(), 400, msgConfigMapGate)
			assert.Equal(t, "cm", aws.ToString(e.ClusterName))
		})
	}
	t.Run("ListAccessPolicies still works", func(t *testing.T) {
		t.Parallel()
		out, err := v.eks.ListAccessPolicies(v.ctx, &eks.ListAccessPoliciesInput{})
		require.NoError(t, err)
		assert.Len(t, out.AccessPolicies, 33)
	})
}

func TestCreateAccessEntry(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.cluster("c1", ekstypes.AuthenticationModeApi)
	create := func(in *eks.CreateAccessEntryInput) (*ekstypes.AccessEntry, error) {
		in.ClusterName = aws.String("c1")
		out, err := v.eks.CreateAccessEntry(v.ctx, in)
		if err != nil {
			return nil, err
		}
		return out.AccessEntry, nil
	}

	t.Run("STANDARD role: defaults, path stripped from username", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/dev/apps/", "my-role")
		before := time.Now().Add(-time.Second)
		ae, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, "c1", aws.ToString(ae.ClusterName))
		assert.Equal(t, "arn:aws:iam::111122223333:role/dev/apps/my-role", aws.ToString(ae.PrincipalArn))
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/my-role/{{SessionName}}", aws.ToString(ae.Username))
		assert.Equal(t, "STANDARD", aws.ToString(ae.Type))
		assert.NotNil(t, ae.KubernetesGroups)
		assert.Empty(t, ae.KubernetesGroups)
		assert.Empty(t, ae.Tags)
		assert.Equal(t, []string{"c1", "role", "my-role"}, entryARNPattern.FindStringSubmatch(aws.ToString(ae.AccessEntryArn))[1:])
		require.NotNil(t, ae.CreatedAt)
		assert.WithinRange(t, *ae.CreatedAt, before, time.Now().Add(time.Second))
		assert.Equal(t, ae.CreatedAt, ae.ModifiedAt)

		d, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, ae, d.AccessEntry)
	})

	t.Run("STANDARD user: the ARN is the username", func(t *testing.T) {
		t.Parallel()
		arn := v.user("/people/", "bob")
		ae, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::111122223333:user/people/bob", aws.ToString(ae.Username))
		assert.Equal(t, []string{"c1", "user", "bob"}, entryARNPattern.FindStringSubmatch(aws.ToString(ae.AccessEntryArn))[1:])
	})

	t.Run("custom username, groups and tags are kept", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "custom")
		ae, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Username: aws.String("dev:{{SessionName}}"),
			KubernetesGroups: []string{"viewers", "editors"}, Tags: map[string]string{"owner": "me"}})
		require.NoError(t, err)
		assert.Equal(t, "dev:{{SessionName}}", aws.ToString(ae.Username))
		assert.Equal(t, []string{"viewers", "editors"}, ae.KubernetesGroups)
		assert.Equal(t, map[string]string{"owner": "me"}, ae.Tags)
		tags, err := v.eks.ListTagsForResource(v.ctx, &eks.ListTagsForResourceInput{ResourceArn: ae.AccessEntryArn})
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"owner": "me"}, tags.Tags)
	})

	t.Run("accepted usernames with a colon before the session variable", func(t *testing.T) {
		t.Parallel()
		for i, u := range []string{":john{{SessionName}}", "jo:hn{{SessionName}}", "x:{{SessionNameRaw}}", "plain-name", "admin@{{AccountID}}"} {
			arn := v.role("/", fmt.Sprintf("okname%d", i))
			ae, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Username: aws.String(u)})
			require.NoError(t, err, u)
			assert.Equal(t, u, aws.ToString(ae.Username))
		}
	})

	t.Run("principal names with +=,.@- round-trip through path labels", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/svc/", "bot+ci=1,x.y@ops-a")
		ae, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/bot+ci=1,x.y@ops-a/{{SessionName}}", aws.ToString(ae.Username))
		d, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, arn, aws.ToString(d.AccessEntry.PrincipalArn))
		out, err := v.associate("c1", arn, policyARN+"AmazonEKSViewPolicy", nsScope("a"))
		require.NoError(t, err)
		assert.Equal(t, arn, aws.ToString(out.PrincipalArn))
		_, err = v.eks.DisassociateAccessPolicy(v.ctx, &eks.DisassociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn), PolicyArn: aws.String(policyARN + "AmazonEKSViewPolicy")})
		require.NoError(t, err)
		_, err = v.eks.DeleteAccessEntry(v.ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
	})

	t.Run("node types get their defaults", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			typ, username string
			groups        []string
		}{
			{"EC2_LINUX", "system:node:{{EC2PrivateDNSName}}", []string{"system:nodes"}},
			{"EC2_WINDOWS", "system:node:{{EC2PrivateDNSName}}", []string{"system:nodes"}},
			{"FARGATE_LINUX", "system:node:{{SessionName}}", []string{}},
			{"HYBRID_LINUX", "system:node:{{SessionName}}", []string{}},
			{"HYPERPOD_LINUX", "system:node:{{SessionName}}", []string{}},
			{"EC2", "system:node:{{EC2PrivateDNSName}}", []string{}},
		}
		for _, c := range cases {
			arn := v.role("/nodes/", "node-"+strings.ToLower(strings.ReplaceAll(c.typ, "_", "-")))
			ae, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Type: aws.String(c.typ)})
			require.NoError(t, err, c.typ)
			assert.Equal(t, c.typ, aws.ToString(ae.Type))
			assert.Equal(t, c.username, aws.ToString(ae.Username), c.typ)
			assert.Equal(t, c.groups, ae.KubernetesGroups, c.typ)
		}
	})

	t.Run("node types refuse groups and usernames", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "node-custom")
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Type: aws.String("EC2_LINUX"), KubernetesGroups: []string{"extra"}})
		invalidParameter(t, err, "c1", msgNotStandard)
		_, err = create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Type: aws.String("FARGATE_LINUX"), Username: aws.String("node:{{SessionName}}")})
		invalidParameter(t, err, "c1", msgNotStandard)
	})

	t.Run("node types need a role", func(t *testing.T) {
		t.Parallel()
		arn := v.user("/", "not-a-node")
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Type: aws.String("EC2_LINUX")})
		invalidParameter(t, err, "c1", "The principalArn of an access entry of type EC2_LINUX must be an IAM role in account 111122223333")
	})

	t.Run("unknown or miscased type", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "typed")
		for _, typ := range []string{"Standard", "EC2_MAC", "standard"} {
			_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Type: aws.String(typ)})
			invalidParameter(t, err, "c1", "AccessEntry type must be one of [EC2, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, HYBRID_LINUX, HYPERPOD_LINUX, STANDARD]")
		}
	})

	t.Run("reserved username prefixes", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "reserved")
		for _, prefix := range []string{"system:", "eks:", "aws:", "amazon:", "iam:"} {
			_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Username: aws.String(prefix + "someone")})
			invalidParameter(t, err, "c1", "The username must not begin with "+prefix)
		}
	})

	t.Run("session variable without a colon before it", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "colon")
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Username: aws.String("john{{SessionName}}")})
		invalidParameter(t, err, "c1", "The username john{{SessionName}} is invalid, a colon (:) must appear before {{SessionName}}")
		_, err = create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Username: aws.String("{{SessionNameRaw}}:x")})
		invalidParameter(t, err, "c1", "The username {{SessionNameRaw}}:x is invalid, a colon (:) must appear before {{SessionNameRaw}}")
	})

	t.Run("system: groups", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "masters")
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), KubernetesGroups: []string{"ok", "system:masters"}})
		invalidParameter(t, err, "c1", "The kubernetes group name system:masters is invalid, it cannot start with system:")
	})

	t.Run("assumed-role ARN", func(t *testing.T) {
		t.Parallel()
		v.role("/", "sessioned")
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String("arn:aws:sts::111122223333:assumed-role/sessioned/s1")})
		invalidParameter(t, err, "c1", msgBadFormat)
	})

	t.Run("not an ARN", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"bob", "arn:aws:s3:::bucket", "arn:aws:iam::111122223333:group/devs"} {
			_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(p)})
			invalidParameter(t, err, "c1", msgBadFormat)
		}
	})

	t.Run("service-linked role", func(t *testing.T) {
		t.Parallel()
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String("arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS")})
		invalidParameter(t, err, "c1", "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role")
	})

	t.Run("nonexistent principal", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"arn:aws:iam::111122223333:role/ghost", "arn:aws:iam::111122223333:user/ghost", "arn:aws:iam::444455556666:role/elsewhere"} {
			_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(p)})
			invalidParameter(t, err, "c1", msgBadPrincipal)
		}
	})

	t.Run("wrong role path", func(t *testing.T) {
		t.Parallel()
		v.role("/team/", "pathed")
		for _, p := range []string{"arn:aws:iam::111122223333:role/pathed", "arn:aws:iam::111122223333:role/other/pathed"} {
			_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(p)})
			invalidParameter(t, err, "c1", msgBadPrincipal)
		}
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String("arn:aws:iam::111122223333:role/team/pathed")})
		require.NoError(t, err)
	})

	t.Run("duplicate principal", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "twice")
		_, err := create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		_, err = create(&eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Type: aws.String("EC2_LINUX")})
		e := apiError[*ekstypes.ResourceInUseException](t, err, 409, msgInUse)
		assert.Equal(t, "c1", aws.ToString(e.ClusterName))
	})

	t.Run("retry with the same client request token", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "retried")
		in := &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), ClientRequestToken: aws.String("12345678-1234-1234-1234-123456789012")}
		first, err := create(in)
		require.NoError(t, err)
		again, err := create(in)
		require.NoError(t, err)
		assert.Equal(t, first, again)
	})

	t.Run("missing cluster", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "orphan")
		_, err := v.eks.CreateAccessEntry(v.ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("nope"), PrincipalArn: aws.String(arn)})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
		assert.Equal(t, "nope", aws.ToString(e.ClusterName))
	})
}

// TestPrincipalIDBinding: an entry is bound to the principal's unique ID; a
// re-created principal of the same name is a different principal (eks-api.md §5.2).
func TestPrincipalIDBinding(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.cluster("c1", ekstypes.AuthenticationModeApi)
	key := store.ClusterKey{Account: acct, Region: region, Name: "c1"}

	t.Run("user", func(t *testing.T) {
		t.Parallel()
		u, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
		require.NoError(t, err)
		arn := aws.ToString(u.User.Arn)
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
		stored, err := v.Server.DB().DescribeAccessEntry(v.ctx, key, arn)
		require.NoError(t, err)
		assert.Equal(t, aws.ToString(u.User.UserId), stored.PrincipalID)

		_, err = v.iam.DeleteUser(v.ctx, &iam.DeleteUserInput{UserName: aws.String("carol")})
		require.NoError(t, err)
		_, err = v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err, "the entry outlives its principal")
		again, err := v.iam.CreateUser(v.ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
		require.NoError(t, err)
		assert.Equal(t, arn, aws.ToString(again.User.Arn))
		stored, err = v.Server.DB().DescribeAccessEntry(v.ctx, key, arn)
		require.NoError(t, err)
		assert.NotEqual(t, aws.ToString(again.User.UserId), stored.PrincipalID, "the entry still names the deleted user")
		assert.Equal(t, aws.ToString(u.User.UserId), stored.PrincipalID)
		_, err = v.eks.CreateAccessEntry(v.ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		apiError[*ekstypes.ResourceInUseException](t, err, 409, msgInUse)
	})

	t.Run("role", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "rebound")
		r, err := v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("rebound")})
		require.NoError(t, err)
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
		_, err = v.iam.DeleteRole(v.ctx, &iam.DeleteRoleInput{RoleName: aws.String("rebound")})
		require.NoError(t, err)
		v.role("/", "rebound")
		r2, err := v.iam.GetRole(v.ctx, &iam.GetRoleInput{RoleName: aws.String("rebound")})
		require.NoError(t, err)
		stored, err := v.Server.DB().DescribeAccessEntry(v.ctx, key, arn)
		require.NoError(t, err)
		assert.Equal(t, aws.ToString(r.Role.RoleId), stored.PrincipalID)
		assert.NotEqual(t, aws.ToString(r2.Role.RoleId), stored.PrincipalID)
	})

	t.Run("a deleted principal cannot get a new entry", func(t *testing.T) {
		t.Parallel()
		arn := v.role("/", "gone")
		_, err := v.iam.DeleteRole(v.ctx, &iam.DeleteRoleInput{RoleName: aws.String("gone")})
		require.NoError(t, err)
		_, err = v.eks.CreateAccessEntry(v.ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		invalidParameter(t, err, "c1", msgBadPrincipal)
	})
}

func TestDescribeAccessEntry(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.cluster("c1", ekstypes.AuthenticationModeApi)
	arn := v.role("/dev/", "r1")
	v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})

	t.Run("missing entry", func(t *testing.T) {
		t.Parallel()
		_, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String("arn:aws:iam::111122223333:role/none")})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
		assert.Equal(t, "c1", aws.ToString(e.ClusterName))
	})
	t.Run("lookup is by the exact ARN", func(t *testing.T) {
		t.Parallel()
		_, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String("arn:aws:iam::111122223333:role/r1")})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
	})
	t.Run("missing cluster", func(t *testing.T) {
		t.Parallel()
		_, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("nope"), PrincipalArn: aws.String(arn)})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
	})
}

func TestListAccessEntries(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	in := clusterInput("c1", ekstypes.AuthenticationModeApi)
	in.AccessConfig.BootstrapClusterCreatorAdminPermissions = aws.Bool(false)
	_, err := v.eks.CreateCluster(v.ctx, in)
	require.NoError(t, err)
	t.Run("empty", func(t *testing.T) {
		out, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1")})
		require.NoError(t, err)
		assert.Empty(t, out.AccessEntries)
		assert.Nil(t, out.NextToken)
	})
	arns := []string{v.user("/", "zed"), v.role("/", "admin-test-ip"), v.role("/", "Admin"), v.role("/x/", "assume"), v.user("/", "amy")}
	for _, a := range arns {
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(a)})
	}
	sorted := slices.Clone(arns)
	slices.Sort(sorted)
	require.Equal(t, "arn:aws:iam::111122223333:role/Admin", sorted[0])

	t.Run("byte order", func(t *testing.T) {
		assert.Equal(t, sorted, v.entries("c1"))
	})
	t.Run("pages", func(t *testing.T) {
		p := eks.NewListAccessEntriesPaginator(v.eks, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1"), MaxResults: aws.Int32(2)})
		var got []string
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(v.ctx)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(out.AccessEntries), 2)
			got = append(got, out.AccessEntries...)
			pages++
		}
		assert.Equal(t, sorted, got)
		assert.Equal(t, 3, pages)
	})
	t.Run("associatedPolicyArn filters", func(t *testing.T) {
		_, err := v.associate("c1", arns[0], policyARN+"AmazonEKSViewPolicy", clusterScope)
		require.NoError(t, err)
		_, err = v.associate("c1", arns[2], policyARN+"AmazonEKSViewPolicy", nsScope("a"))
		require.NoError(t, err)
		_, err = v.associate("c1", arns[1], policyARN+"AmazonEKSEditPolicy", clusterScope)
		require.NoError(t, err)
		out, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1"), AssociatedPolicyArn: aws.String(policyARN + "AmazonEKSViewPolicy")})
		require.NoError(t, err)
		assert.Equal(t, []string{arns[2], arns[0]}, out.AccessEntries)
		out, err = v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1"), AssociatedPolicyArn: aws.String(policyARN + "AmazonEKSAdminPolicy")})
		require.NoError(t, err)
		assert.Empty(t, out.AccessEntries)
		out, err = v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1"), AssociatedPolicyArn: aws.String(policyARN + "AmazonEKSViewPolicy"), MaxResults: aws.Int32(1)})
		require.NoError(t, err)
		assert.Equal(t, []string{arns[2]}, out.AccessEntries)
		require.NotNil(t, out.NextToken)
		out, err = v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1"), AssociatedPolicyArn: aws.String(policyARN + "AmazonEKSViewPolicy"), MaxResults: aws.Int32(1), NextToken: out.NextToken})
		require.NoError(t, err)
		assert.Equal(t, []string{arns[0]}, out.AccessEntries)
		assert.Nil(t, out.NextToken)
	})
	t.Run("maxResults out of range", func(t *testing.T) {
		_, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1"), MaxResults: aws.Int32(0)})
		invalidParameter(t, err, "c1", "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1")
	})
	t.Run("missing cluster", func(t *testing.T) {
		_, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("nope")})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "No cluster found for name: nope.")
	})
}

func TestUpdateAccessEntry(t *testing.T) {
	t.Parallel()
	v, clock := newClockEnv(t, 0)
	v.cluster("c1", ekstypes.AuthenticationModeApi)
	update := func(principal string, groups []string, username *string) (*ekstypes.AccessEntry, error) {
		out, err := v.eks.UpdateAccessEntry(v.ctx, &eks.UpdateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(principal),
			KubernetesGroups: groups, Username: username})
		if err != nil {
			return nil, err
		}
		return out.AccessEntry, nil
	}

	t.Run("replaces groups and username, bumps modifiedAt", func(t *testing.T) {
		arn := v.role("/p/", "editor")
		created := v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), KubernetesGroups: []string{"a"}, Tags: map[string]string{"t": "1"}})
		clock.Advance(3 * time.Second)
		ae, err := update(arn, []string{"b", "c"}, aws.String("editor:{{SessionName}}"))
		require.NoError(t, err)
		assert.Equal(t, []string{"b", "c"}, ae.KubernetesGroups)
		assert.Equal(t, "editor:{{SessionName}}", aws.ToString(ae.Username))
		assert.Equal(t, created.CreatedAt, ae.CreatedAt)
		assert.WithinDuration(t, created.CreatedAt.Add(3*time.Second), *ae.ModifiedAt, time.Millisecond)
		assert.Equal(t, created.AccessEntryArn, ae.AccessEntryArn)
		assert.Equal(t, map[string]string{"t": "1"}, ae.Tags, "tags are not touched")
		assert.Equal(t, "STANDARD", aws.ToString(ae.Type))
		d, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, ae, d.AccessEntry)
	})

	t.Run("omitted members reset to their defaults", func(t *testing.T) {
		arn := v.role("/p/", "resetter")
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), KubernetesGroups: []string{"a"}, Username: aws.String("custom")})
		ae, err := update(arn, nil, aws.String("other"))
		require.NoError(t, err)
		assert.Empty(t, ae.KubernetesGroups, "omitted groups become []")
		assert.Equal(t, "other", aws.ToString(ae.Username))
		ae, err = update(arn, []string{"g"}, nil)
		require.NoError(t, err)
		assert.Equal(t, []string{"g"}, ae.KubernetesGroups)
		assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/resetter/{{SessionName}}", aws.ToString(ae.Username), "omitted username becomes the default")
		ae, err = update(arn, []string{}, nil)
		require.NoError(t, err)
		assert.Empty(t, ae.KubernetesGroups, "[] clears")
	})

	t.Run("node entries", func(t *testing.T) {
		arn := v.role("/", "worker")
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Type: aws.String("EC2_LINUX")})
		_, err := update(arn, nil, aws.String("system:node:{{EC2PrivateDNSName}}"))
		invalidParameter(t, err, "c1", "The username must not begin with system:")
		_, err = update(arn, []string{"extra"}, nil)
		invalidParameter(t, err, "c1", msgNotStandard)
		ae, err := update(arn, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, []string{"system:nodes"}, ae.KubernetesGroups)
		assert.Equal(t, "system:node:{{EC2PrivateDNSName}}", aws.ToString(ae.Username))
		assert.Equal(t, "EC2_LINUX", aws.ToString(ae.Type))
	})

	t.Run("the same rules as on create", func(t *testing.T) {
		arn := v.role("/", "ruled")
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), KubernetesGroups: []string{"keep"}})
		_, err := update(arn, []string{"system:masters"}, nil)
		invalidParameter(t, err, "c1", "The kubernetes group name system:masters is invalid, it cannot start with system:")
		_, err = update(arn, nil, aws.String("eks:me"))
		invalidParameter(t, err, "c1", "The username must not begin with eks:")
		d, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, []string{"keep"}, d.AccessEntry.KubernetesGroups, "a refused update changes nothing")
	})

	t.Run("missing entry", func(t *testing.T) {
		_, err := update("arn:aws:iam::111122223333:role/none", nil, nil)
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
	})
}

func TestDeleteAccessEntry(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.cluster("c1", ekstypes.AuthenticationModeApi)
	arn := v.role("/", "doomed")
	ae := v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Tags: map[string]string{"k": "v"}})
	_, err := v.associate("c1", arn, policyARN+"AmazonEKSEditPolicy", nsScope("team-a"))
	require.NoError(t, err)

	out, err := v.eks.DeleteAccessEntry(v.ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
	require.NoError(t, err)
	require.NotNil(t, out)

	t.Run("gone", func(t *testing.T) {
		_, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
		assert.NotContains(t, v.entries("c1"), arn)
	})
	t.Run("associations and tags went with it", func(t *testing.T) {
		l, err := v.eks.ListAccessEntries(v.ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1"), AssociatedPolicyArn: aws.String(policyARN + "AmazonEKSEditPolicy")})
		require.NoError(t, err)
		assert.Empty(t, l.AccessEntries)
		_, err = v.eks.ListTagsForResource(v.ctx, &eks.ListTagsForResourceInput{ResourceArn: ae.AccessEntryArn})
		apiError[*ekstypes.NotFoundException](t, err, 404, fmt.Sprintf("Resource %s not found", aws.ToString(ae.AccessEntryArn)))
		again := v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
		assert.Empty(t, v.associated("c1", arn))
		assert.Empty(t, again.Tags)
	})
	t.Run("missing entry", func(t *testing.T) {
		_, err := v.eks.DeleteAccessEntry(v.ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String("arn:aws:iam::111122223333:role/none")})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
		assert.Equal(t, "c1", aws.ToString(e.ClusterName))
	})
}

func TestAccessPolicyAssociations(t *testing.T) {
	t.Parallel()
	v, clock := newClockEnv(t, 0)
	v.cluster("c1", ekstypes.AuthenticationModeApi)
	arn := v.role("/dev/apps/", "my-role")
	v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn)})
	view, edit, admin := policyARN+"AmazonEKSViewPolicy", policyARN+"AmazonEKSEditPolicy", policyARN+"AmazonEKSAdminPolicy"

	t.Run("associate with a namespace scope", func(t *testing.T) {
		out, err := v.associate("c1", arn, view, nsScope("default", "dev-*"))
		require.NoError(t, err)
		assert.Equal(t, "c1", aws.ToString(out.ClusterName))
		assert.Equal(t, arn, aws.ToString(out.PrincipalArn))
		a := out.AssociatedAccessPolicy
		assert.Equal(t, view, aws.ToString(a.PolicyArn))
		assert.Equal(t, nsScope("default", "dev-*"), *a.AccessScope)
		assert.WithinDuration(t, clock.Now(), *a.AssociatedAt, time.Second)
		assert.Equal(t, a.AssociatedAt, a.ModifiedAt)
	})

	t.Run("re-associating replaces the scope and keeps associatedAt", func(t *testing.T) {
		before := v.associated("c1", arn)
		require.Len(t, before, 1)
		clock.Advance(5 * time.Second)
		out, err := v.associate("c1", arn, view, clusterScope)
		require.NoError(t, err)
		a := out.AssociatedAccessPolicy
		assert.Equal(t, ekstypes.AccessScopeTypeCluster, a.AccessScope.Type)
		assert.Empty(t, a.AccessScope.Namespaces)
		assert.Equal(t, before[0].AssociatedAt, a.AssociatedAt)
		assert.WithinDuration(t, before[0].AssociatedAt.Add(5*time.Second), *a.ModifiedAt, time.Millisecond)
		after := v.associated("c1", arn)
		require.Len(t, after, 1)
		assert.Equal(t, ekstypes.AccessScopeTypeCluster, after[0].AccessScope.Type)
		assert.Empty(t, after[0].AccessScope.Namespaces)
	})

	t.Run("list is sorted by policy ARN and pages", func(t *testing.T) {
		_, err := v.associate("c1", arn, edit, nsScope("team-b"))
		require.NoError(t, err)
		_, err = v.associate("c1", arn, admin, nsScope("team-a"))
		require.NoError(t, err)
		var got []string
		p := eks.NewListAssociatedAccessPoliciesPaginator(v.eks, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn), MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			out, err := p.NextPage(v.ctx)
			require.NoError(t, err)
			assert.Equal(t, "c1", aws.ToString(out.ClusterName))
			assert.Equal(t, arn, aws.ToString(out.PrincipalArn))
			for _, a := range out.AssociatedAccessPolicies {
				got = append(got, aws.ToString(a.PolicyArn))
			}
		}
		assert.Equal(t, []string{admin, edit, view}, got)
	})

	t.Run("bad scopes", func(t *testing.T) {
		cases := map[string]struct {
			scope ekstypes.AccessScope
			msg   string
		}{
			"namespace without namespaces": {nsScope(), "At least one namespace must be specified for an access scope of type namespace"},
			"cluster with namespaces":      {ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster, Namespaces: []string{"a"}}, "Namespaces can only be specified for an access scope of type namespace"},
			"invalid namespace name":       {nsScope("Not_Valid"), "The namespace Not_Valid is not a valid Kubernetes namespace name"},
			"missing type":                 {ekstypes.AccessScope{}, "The access scope type must be one of [cluster, namespace]"},
			"wrong type":                   {ekstypes.AccessScope{Type: "Cluster"}, "1 validation error detected: Value 'Cluster' at 'accessScope.type' failed to satisfy constraint: Member must satisfy enum value set: [cluster, namespace]"},
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				_, err := v.associate("c1", arn, policyARN+"AmazonEKSAdminViewPolicy", c.scope)
				invalidParameter(t, err, "c1", c.msg)
			})
		}
		assert.Len(t, v.associated("c1", arn), 3, "refused associations add nothing")
	})

	t.Run("unknown and malformed policies", func(t *testing.T) {
		_, err := v.associate("c1", arn, policyARN+"AmazonEKSNoSuchPolicy", clusterScope)
		invalidParameter(t, err, "c1", "The specified policyArn "+policyARN+"AmazonEKSNoSuchPolicy is not a valid access policy")
		_, err = v.associate("c1", arn, "AmazonEKSViewPolicy", clusterScope)
		invalidParameter(t, err, "c1", "The policyArn parameter format is not valid")
	})

	t.Run("missing entry", func(t *testing.T) {
		_, err := v.associate("c1", "arn:aws:iam::111122223333:role/my-role", view, clusterScope)
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
		assert.Equal(t, "c1", aws.ToString(e.ClusterName))
	})

	t.Run("only STANDARD entries take policies", func(t *testing.T) {
		node := v.role("/", "node")
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(node), Type: aws.String("EC2_LINUX")})
		_, err := v.associate("c1", node, view, clusterScope)
		invalidParameter(t, err, "c1", msgNotStandard)
		_, err = v.eks.ListAssociatedAccessPolicies(v.ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(node)})
		invalidParameter(t, err, "c1", msgNotStandard)
	})

	t.Run("EC2 (Auto Mode) entries take AmazonEKSAutoNodePolicy only", func(t *testing.T) {
		auto := v.role("/", "auto-node")
		v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(auto), Type: aws.String("EC2")})
		_, err := v.associate("c1", auto, policyARN+"AmazonEKSAutoNodePolicy", clusterScope)
		require.NoError(t, err)
		_, err = v.associate("c1", auto, view, clusterScope)
		invalidParameter(t, err, "c1", msgNotStandard)
		assert.Len(t, v.associated("c1", auto), 1)
	})

	t.Run("disassociate", func(t *testing.T) {
		_, err := v.eks.DisassociateAccessPolicy(v.ctx, &eks.DisassociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn), PolicyArn: aws.String(edit)})
		require.NoError(t, err)
		var got []string
		for _, a := range v.associated("c1", arn) {
			got = append(got, aws.ToString(a.PolicyArn))
		}
		assert.Equal(t, []string{admin, view}, got)
		_, err = v.eks.DisassociateAccessPolicy(v.ctx, &eks.DisassociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn), PolicyArn: aws.String(edit)})
		e := apiError[*ekstypes.ResourceNotFoundException](t, err, 404, "The specified policyArn could not be found. You can view your associated access policies with 'list-associated-access-policies'.")
		assert.Equal(t, "c1", aws.ToString(e.ClusterName))
		_, err = v.eks.DisassociateAccessPolicy(v.ctx, &eks.DisassociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String("arn:aws:iam::111122223333:role/none"), PolicyArn: aws.String(edit)})
		apiError[*ekstypes.ResourceNotFoundException](t, err, 404, msgEntryNotFound)
	})
}

func TestListAccessPolicies(t *testing.T) {
	t.Parallel()
	v := newEnv(t)

	t.Run("all 33, sorted", func(t *testing.T) {
		out, err := v.eks.ListAccessPolicies(v.ctx, &eks.ListAccessPoliciesInput{})
		require.NoError(t, err)
		require.Len(t, out.AccessPolicies, 33)
		assert.Nil(t, out.NextToken)
		names := make([]string, len(out.AccessPolicies))
		for i, p := range out.AccessPolicies {
			names[i] = aws.ToString(p.Name)
			assert.Equal(t, policyARN+names[i], aws.ToString(p.Arn))
		}
		assert.True(t, slices.IsSorted(names))
		assert.Equal(t, store.AccessPolicyNames(), names)
		for _, n := range []string{"AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy", "AmazonEKSAdminViewPolicy", "AIDevOpsAgentAccessPolicy"} {
			assert.Contains(t, names, n)
		}
		assert.Equal(t, "AIDevOpsAgentAccessPolicy", names[0], "byte order puts AIDevOps before AmazonAIOps")
	})

	t.Run("pages", func(t *testing.T) {
		p := eks.NewListAccessPoliciesPaginator(v.eks, &eks.ListAccessPoliciesInput{MaxResults: aws.Int32(10)})
		var names []string
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(v.ctx)
			require.NoError(t, err)
			for _, a := range out.AccessPolicies {
				names = append(names, aws.ToString(a.Name))
			}
			pages++
		}
		assert.Equal(t, 4, pages)
		assert.Equal(t, store.AccessPolicyNames(), names)
	})

	t.Run("maxResults out of range", func(t *testing.T) {
		_, err := v.eks.ListAccessPolicies(v.ctx, &eks.ListAccessPoliciesInput{MaxResults: aws.Int32(101)})
		invalidParameter(t, err, "", "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100")
	})
}

func TestTags(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	c := v.cluster("c1", ekstypes.AuthenticationModeApi)
	arn := v.role("/", "tagged")
	ae := v.entry("c1", &eks.CreateAccessEntryInput{PrincipalArn: aws.String(arn), Tags: map[string]string{"a": "0"}})
	tagsOf := func(t *testing.T, resource *string) map[string]string {
		t.Helper()
		out, err := v.eks.ListTagsForResource(v.ctx, &eks.ListTagsForResourceInput{ResourceArn: resource})
		require.NoError(t, err)
		return out.Tags
	}
	tag := func(resource *string, tags map[string]string) error {
		_, err := v.eks.TagResource(v.ctx, &eks.TagResourceInput{ResourceArn: resource, Tags: tags})
		return err
	}
	untag := func(resource *string, keys ...string) error {
		_, err := v.eks.UntagResource(v.ctx, &eks.UntagResourceInput{ResourceArn: resource, TagKeys: keys})
		return err
	}

	t.Run("cluster: merge, overwrite, untag", func(t *testing.T) {
		require.NoError(t, tag(c.Arn, map[string]string{"a": "1", "b": "2"}))
		require.NoError(t, tag(c.Arn, map[string]string{"b": "3", "c": "4"}))
		assert.Equal(t, map[string]string{"a": "1", "b": "3", "c": "4"}, tagsOf(t, c.Arn))
		require.NoError(t, untag(c.Arn, "a", "absent"))
		assert.Equal(t, map[string]string{"b": "3", "c": "4"}, tagsOf(t, c.Arn))
		d, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"b": "3", "c": "4"}, d.Cluster.Tags)
	})

	t.Run("access entry through its ARN", func(t *testing.T) {
		assert.Equal(t, map[string]string{"a": "0"}, tagsOf(t, ae.AccessEntryArn))
		require.NoError(t, tag(ae.AccessEntryArn, map[string]string{"a": "1", "z": "26"}))
		require.NoError(t, untag(ae.AccessEntryArn, "z"))
		require.NoError(t, tag(ae.AccessEntryArn, map[string]string{"y": "25"}))
		want := map[string]string{"a": "1", "y": "25"}
		assert.Equal(t, want, tagsOf(t, ae.AccessEntryArn))
		d, err := v.eks.DescribeAccessEntry(v.ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(arn)})
		require.NoError(t, err)
		assert.Equal(t, want, d.AccessEntry.Tags)
		assert.Equal(t, map[string]string{"b": "3", "c": "4"}, tagsOf(t, c.Arn), "the cluster's tags are separate")
	})

	t.Run("unknown resources are NotFoundException", func(t *testing.T) {
		for _, r := range []string{"arn:aws:eks:us-east-1:111122223333:cluster/nope", "arn:aws:eks:us-east-1:111122223333:nodegroup/c1/ng/x"} {
			msg := fmt.Sprintf("Resource %s not found", r)
			apiError[*ekstypes.NotFoundException](t, tag(aws.String(r), map[string]string{"a": "b"}), 404, msg)
			apiError[*ekstypes.NotFoundException](t, untag(aws.String(r), "a"), 404, msg)
			_, err := v.eks.ListTagsForResource(v.ctx, &eks.ListTagsForResourceInput{ResourceArn: aws.String(r)})
			apiError[*ekstypes.NotFoundException](t, err, 404, msg)
		}
	})

	t.Run("bad ARNs are BadRequestException", func(t *testing.T) {
		for _, r := range []string{"not-an-arn", "arn:aws:iam::111122223333:role/tagged"} {
			apiError[*ekstypes.BadRequestException](t, tag(aws.String(r), map[string]string{"a": "b"}), 400, "Invalid ARN: "+r)
			_, err := v.eks.ListTagsForResource(v.ctx, &eks.ListTagsForResourceInput{ResourceArn: aws.String(r)})
			apiError[*ekstypes.BadRequestException](t, err, 400, "Invalid ARN: "+r)
		}
	})

	t.Run("invalid tag requests are BadRequestException", func(t *testing.T) {
		apiError[*ekstypes.BadRequestException](t, tag(c.Arn, map[string]string{}), 400,
			"1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
		long := strings.Repeat("k", 129)
		apiError[*ekstypes.BadRequestException](t, tag(c.Arn, map[string]string{long: "v"}), 400,
			fmt.Sprintf("1 validation error detected: Value '%s' at 'tags.key' failed to satisfy constraint: Member must have length less than or equal to 128", long))
	})

	t.Run("at most 50 tags per resource", func(t *testing.T) {
		many := map[string]string{}
		for i := range 49 {
			many[fmt.Sprintf("k%02d", i)] = "v"
		}
		err := tag(c.Arn, many)
		apiError[*ekstypes.BadRequestException](t, err, 400, fmt.Sprintf("Resource %s cannot have more than 50 tags", aws.ToString(c.Arn)))
		assert.Equal(t, map[string]string{"b": "3", "c": "4"}, tagsOf(t, c.Arn), "a refused TagResource changes nothing")
		delete(many, "k00")
		require.NoError(t, tag(c.Arn, many))
		assert.Len(t, tagsOf(t, c.Arn), 50)
	})
}

// TestWireFormat checks what the SDK hides: timestamps are JSON numbers
// (epoch seconds with milliseconds), empty collections are [] and {}, and
// error bodies carry clusterName and message.
func TestWireFormat(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.cluster("c1", ekstypes.AuthenticationModeApi)
	root := "arn%3Aaws%3Aiam%3A%3A111122223333%3Aroot"
	number := regexp.MustCompile(`^\d{10}\.\d{3}$`)

	t.Run("DescribeCluster", func(t *testing.T) {
		status, hdr, body := v.raw(t, "GET", "/clusters/c1")
		require.Equal(t, 200, status)
		assert.Equal(t, "application/json", hdr.Get("Content-Type"))
		assert.NotEmpty(t, hdr.Get("X-Amzn-Requestid"))
		assert.Regexp(t, `"createdAt":\d{10}\.\d{3},`, body)
		assert.Contains(t, body, `"tags":{}`)
		assert.Contains(t, body, `"accessConfig":{"authenticationMode":"API"}`)
	})
	t.Run("DescribeAccessEntry", func(t *testing.T) {
		status, _, body := v.raw(t, "GET", "/clusters/c1/access-entries/"+root)
		require.Equal(t, 200, status)
		created := regexp.MustCompile(`"createdAt":([0-9.]+),"modifiedAt":([0-9.]+),`).FindStringSubmatch(body)
		require.NotNil(t, created, body)
		assert.Regexp(t, number, created[1])
		assert.Regexp(t, number, created[2])
		assert.Contains(t, body, `"kubernetesGroups":[]`)
		assert.Contains(t, body, `"tags":{}`)
	})
	t.Run("ListAssociatedAccessPolicies", func(t *testing.T) {
		status, _, body := v.raw(t, "GET", "/clusters/c1/access-entries/"+root+"/access-policies")
		require.Equal(t, 200, status)
		assert.Regexp(t, `"accessScope":\{"type":"cluster","namespaces":\[\]\},"associatedAt":\d{10}\.\d{3},"modifiedAt":\d{10}\.\d{3}`, body)
	})
	t.Run("error body", func(t *testing.T) {
		status, hdr, body := v.raw(t, "GET", "/clusters/nope")
		require.Equal(t, 404, status)
		assert.Equal(t, "ResourceNotFoundException", hdr.Get("X-Amzn-ErrorType"))
		assert.Equal(t, "application/json", hdr.Get("Content-Type"))
		assert.JSONEq(t, `{"clusterName":"nope","message":"No cluster found for name: nope."}`, body)
	})
	t.Run("empty outputs are {}", func(t *testing.T) {
		c, err := v.eks.DescribeCluster(v.ctx, &eks.DescribeClusterInput{Name: aws.String("c1")})
		require.NoError(t, err)
		status, _, body := v.raw(t, "DELETE", "/tags/"+strings.ReplaceAll(strings.ReplaceAll(aws.ToString(c.Cluster.Arn), ":", "%3A"), "/", "%2F")+"?tagKeys=x")
		require.Equal(t, 200, status)
		assert.JSONEq(t, `{}`, body)
	})
}

// raw sends a body-less EKS request signed as the root, now.
func (v *env) raw(t *testing.T, method, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(v.ctx, method, v.URL+path, nil)
	require.NoError(t, err)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: v.Root().AccessKeyID, SecretAccessKey: v.Root().SecretAccessKey}
	require.NoError(t, v4.NewSigner().SignHTTP(v.ctx, creds, req, hex.EncodeToString(sum[:]), "eks", region, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}
