package emulator_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/eksemu/eksemu/emulator/emulatortest"
)

func TestSmoke(t *testing.T) {
	e := emulatortest.New(t)
	ctx := context.Background()
	id, err := e.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::111122223333:root", aws.ToString(id.Arn))
	_, err = e.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	require.NoError(t, err)
	k, err := e.IAM().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	require.NoError(t, err)
	alice := emulatortest.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	_, err = e.IAM().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), Path: aws.String("/team/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)
	ar, err := e.STS(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/team/admin"), RoleSessionName: aws.String("s1")})
	require.NoError(t, err)
	sess := emulatortest.Credentials{AccessKeyID: *ar.Credentials.AccessKeyId, SecretAccessKey: *ar.Credentials.SecretAccessKey, SessionToken: *ar.Credentials.SessionToken}
	id, err = e.STS(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:sts::111122223333:assumed-role/admin/s1", aws.ToString(id.Arn))
	c, err := e.EKS(sess).CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("c1"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
		AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	require.NoError(t, err)
	require.Equal(t, ekstypes.ClusterStatusCreating, c.Cluster.Status)
	l, err := e.EKS().ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("c1")})
	require.NoError(t, err)
	require.Equal(t, []string{"arn:aws:iam::111122223333:role/team/admin"}, l.AccessEntries)
	d, err := e.EKS().DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String("arn:aws:iam::111122223333:role/team/admin")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:sts::111122223333:assumed-role/admin/{{SessionName}}", aws.ToString(d.AccessEntry.Username))
	ap, err := e.EKS().ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String("arn:aws:iam::111122223333:role/team/admin")})
	require.NoError(t, err)
	require.Len(t, ap.AssociatedAccessPolicies, 1)
	_, err = e.EKS().DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("nope")})
	var nf *ekstypes.ResourceNotFoundException
	require.ErrorAs(t, err, &nf)
	require.Equal(t, "No cluster found for name: nope.", nf.ErrorMessage())
}
