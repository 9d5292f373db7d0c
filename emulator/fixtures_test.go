package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/eksemu/eksemu/emulator/emulatortest"
	"github.com/eksemu/eksemu/internal/statedump"
	"github.com/eksemu/eksemu/store"
)

// The principals of the example fixtures, with the keys the fixtures give them.
var (
	fxDesignated = emulatortest.Credentials{AccessKeyID: "AKIAEKSEMUDESIGNATED", SecretAccessKey: "designated/secret/key/000000000000000000002"}
	fxOutsider   = emulatortest.Credentials{AccessKeyID: "AKIAEKSEMUOUTSIDER01", SecretAccessKey: "outsider/secret/key/00000000000000000000003"}
	fxOpsUser    = emulatortest.Credentials{AccessKeyID: "AKIAEKSEMUOPSUSER001", SecretAccessKey: "ops/secret/key/00000000000000000000000000001"}
	fxAppDev     = emulatortest.Credentials{AccessKeyID: "AKIAEKSEMUAPPDEV0001", SecretAccessKey: "appdev/secret/key/0000000000000000000000002"}
	fxK8sDev     = emulatortest.Credentials{AccessKeyID: "AKIAEKSEMUK8SDEV0001", SecretAccessKey: "k8sdev/secret/key/0000000000000000000000001"}
	fxReader     = emulatortest.Credentials{AccessKeyID: "AKIAEKSEMUREADER0001", SecretAccessKey: "reader/secret/key/0000000000000000000000002"}
)

// fxScenario is an example fixture: what its principals may do (checked on
// the fresh load and after the reset) and a pile of changes through the real
// APIs that the reset must undo.
type fxScenario struct {
	file, cluster string
	check         func(t *testing.T, e *emulatortest.Emulator)
	mutate        func(t *testing.T, e *emulatortest.Emulator)
}

var fxScenarios = []fxScenario{
	{
		file: "aws-auth.yaml", cluster: "kc-demo",
		check: func(t *testing.T, e *emulatortest.Emulator) {
			fxAllowed(t, e, "kc-demo", fxDesignated, "default")
			fxAllowed(t, e, "kc-demo", fxDesignated, "kube-system")
			fxUnauthorized(t, e, "kc-demo", fxOutsider)
		},
		mutate: func(t *testing.T, e *emulatortest.Emulator) {
			ctx := context.Background()
			admin := fxAdmin(t, e, "kc-demo")
			fxCreateNamespace(t, admin, "mutant")
			fxEditAWSAuth(t, admin, "- userarn: arn:aws:iam::111122223333:user/outsider\n  username: outsider\n  groups: [system:masters]\n")
			fxAllowed(t, e, "kc-demo", fxOutsider, "mutant") // the edit took effect
			fxMutateIAM(t, e)
			_, err := e.EKS().UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("kc-demo"),
				AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}})
			require.NoError(t, err)
			_, err = e.EKS().TagResource(ctx, &eks.TagResourceInput{ResourceArn: aws.String("arn:aws:eks:us-east-1:111122223333:cluster/kc-demo"),
				Tags: map[string]string{"scenario": "mutated", "extra": "1"}})
			require.NoError(t, err)
			fxDeleteCluster(t, e, "kc-demo")
		},
	},
	{
		file: "migration.yaml", cluster: "migrating",
		check: func(t *testing.T, e *emulatortest.Emulator) {
			fxAllowed(t, e, "migrating", fxOpsUser, "default")
			fxAllowed(t, e, "migrating", fxAppDev, "app")
			fxForbidden(t, e, "migrating", fxAppDev, "default")
		},
		mutate: func(t *testing.T, e *emulatortest.Emulator) {
			ctx := context.Background()
			admin := fxAdmin(t, e, "migrating")
			fxCreateNamespace(t, admin, "mutant")
			require.NoError(t, admin.RbacV1().RoleBindings("app").Delete(ctx, "devs-edit", metav1.DeleteOptions{}))
			fxEditAWSAuth(t, admin, "- userarn: arn:aws:iam::111122223333:user/ops-user\n  username: ops-user\n  groups: [viewers]\n")
			_, err := e.EKS().DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String("migrating"),
				PrincipalArn: aws.String("arn:aws:iam::111122223333:user/app-dev")})
			require.NoError(t, err)
			_, err = e.EKS().UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("migrating"),
				AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
			require.NoError(t, err)
			fxMutateIAM(t, e)
			// A cluster of its own (its API server starts, then the reset drops it).
			_, err = e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("extra"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
				ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
				AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
			require.NoError(t, err)
			fxDeleteCluster(t, e, "migrating")
		},
	},
	{
		file: "access-entries.yaml", cluster: "entries-demo",
		check: func(t *testing.T, e *emulatortest.Emulator) {
			fxAllowed(t, e, "entries-demo", fxK8sDev, "app")
			fxForbidden(t, e, "entries-demo", fxK8sDev, "default")
			fxAllowed(t, e, "entries-demo", fxReader, "dev-1")
			fxForbidden(t, e, "entries-demo", fxReader, "app")
			// reader assumes team-a-deployer, which edits team-a through RBAC.
			ar, err := e.STS(fxReader).AssumeRole(context.Background(), &sts.AssumeRoleInput{
				RoleArn: aws.String("arn:aws:iam::111122223333:role/teams/team-a-deployer"), RoleSessionName: aws.String("ci")})
			require.NoError(t, err)
			deployer := emulatortest.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId),
				SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey), SessionToken: aws.ToString(ar.Credentials.SessionToken)}
			cs := kubernetes.NewForConfigOrDie(e.RESTConfig(t, "entries-demo", deployer))
			_, err = cs.CoreV1().ConfigMaps("team-a").Create(context.Background(), &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: "probe"}}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			require.NoError(t, err)
			fxForbidden(t, e, "entries-demo", deployer, "default")
		},
		mutate: func(t *testing.T, e *emulatortest.Emulator) {
			ctx := context.Background()
			admin := fxAdmin(t, e, "entries-demo")
			fxCreateNamespace(t, admin, "mutant")
			fxEditAWSAuth(t, admin, "- userarn: arn:aws:iam::111122223333:user/kubernetes-developer\n  username: dev\n  groups: [system:masters]\n")
			_, err := e.EKS().DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String("entries-demo"),
				PrincipalArn: aws.String("arn:aws:iam::111122223333:user/kubernetes-developer")})
			require.NoError(t, err)
			_, err = e.EKS().AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String("entries-demo"),
				PrincipalArn: aws.String("arn:aws:iam::111122223333:user/reader"),
				PolicyArn:    aws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
				AccessScope:  &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}})
			require.NoError(t, err)
			_, err = e.EKS().UpdateAccessEntry(ctx, &eks.UpdateAccessEntryInput{ClusterName: aws.String("entries-demo"),
				PrincipalArn: aws.String("arn:aws:iam::111122223333:role/teams/team-a-deployer"), KubernetesGroups: []string{"other"}})
			require.NoError(t, err)
			fxAllowed(t, e, "entries-demo", fxReader, "default") // the association took effect
			fxMutateIAM(t, e)
			fxDeleteCluster(t, e, "entries-demo")
		},
	},
}

// TestFixtureResetRestoresEverything loads each example fixture with real
// API servers, changes IAM, EKS and Kubernetes state through the real APIs,
// resets, and requires the state to be exactly the freshly loaded one:
// identifiers, keys, cluster UIDs, endpoints, certificate authorities and the
// Kubernetes objects.
func TestFixtureResetRestoresEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Kubernetes API servers")
	}
	for _, sc := range fxScenarios {
		t.Run(sc.file, func(t *testing.T) {
			t.Parallel()
			e := emulatortest.New(t, emulatortest.WithKubernetes(), emulatortest.WithFixture(filepath.Join("..", "fixtures", "examples", sc.file)))
			loaded := fxSettledState(t, e)
			require.Contains(t, loaded, `"arn:aws:eks:us-east-1:111122223333:cluster/`+sc.cluster+`"`)
			require.Contains(t, loaded, `"https://127.0.0.1:`)
			sc.check(t, e)

			sc.mutate(t, e)
			require.NotEqual(t, loaded, fxState(t, e))

			resp, err := http.Post(e.URL+"/_eksemu/reset", "application/json", nil)
			require.NoError(t, err)
			var body map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			_ = resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
			require.Equal(t, "reset", body["status"])

			fxRequireState(t, e, loaded)
			sc.check(t, e)
		})
	}
}

// fxState is the full state: IAM and EKS as the APIs report them, and the
// Kubernetes objects of every cluster.
func fxState(t *testing.T, e *emulatortest.Emulator) string {
	t.Helper()
	ctx := context.Background()
	aws, err := statedump.AWS(ctx, e, nil)
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString(aws)
	clusters, err := e.Server.DB().AllClusters(ctx)
	require.NoError(t, err)
	for _, c := range clusters {
		if c.Status != store.StatusActive {
			continue // its state is in DescribeCluster's
		}
		k, err := statedump.Kubernetes(ctx, e.Server.Kube().AdminRESTConfig(c))
		require.NoError(t, err, "cluster %s", c.Name)
		b.WriteString("\n--- Kubernetes objects of " + c.Name + "\n" + k)
	}
	return b.String()
}

// fxSettledState waits for the clusters' controllers to settle (every
// namespace has its default service account and kube-root-ca.crt, and the
// state no longer changes) and returns the state.
func fxSettledState(t *testing.T, e *emulatortest.Emulator) string {
	t.Helper()
	ctx := context.Background()
	clusters, err := e.Server.DB().AllClusters(ctx)
	require.NoError(t, err)
	for _, c := range clusters {
		e.WaitActive(t, c.Name)
		cs := kubernetes.NewForConfigOrDie(e.Server.Kube().AdminRESTConfig(c))
		require.Eventually(t, func() bool {
			nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
			if err != nil {
				return false
			}
			for _, ns := range nss.Items {
				if _, err := cs.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{}); err != nil {
					return false
				}
				if _, err := cs.CoreV1().ConfigMaps(ns.Name).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{}); err != nil {
					return false
				}
			}
			return true
		}, time.Minute, 200*time.Millisecond, "controllers of %s did not settle", c.Name)
	}
	prev := fxState(t, e)
	for range 60 {
		time.Sleep(500 * time.Millisecond)
		cur := fxState(t, e)
		if cur == prev {
			return cur
		}
		prev = cur
	}
	t.Fatal("the state keeps changing")
	return ""
}

// fxRequireState requires the state to become exactly want once the
// clusters' controllers have caught up with the reset.
func fxRequireState(t *testing.T, e *emulatortest.Emulator, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	got := fxState(t, e)
	for got != want && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		got = fxState(t, e)
	}
	require.Equal(t, want, got)
}

func fxAdmin(t *testing.T, e *emulatortest.Emulator, cluster string) *kubernetes.Clientset {
	t.Helper()
	e.WaitActive(t, cluster)
	clusters, err := e.Server.DB().AllClusters(context.Background())
	require.NoError(t, err)
	for _, c := range clusters {
		if c.Name == cluster {
			return kubernetes.NewForConfigOrDie(e.Server.Kube().AdminRESTConfig(c))
		}
	}
	t.Fatalf("no cluster %s", cluster)
	return nil
}

func fxListPods(t *testing.T, e *emulatortest.Emulator, cluster string, creds emulatortest.Credentials, ns string) error {
	t.Helper()
	_, err := kubernetes.NewForConfigOrDie(e.RESTConfig(t, cluster, creds)).CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	return err
}

func fxAllowed(t *testing.T, e *emulatortest.Emulator, cluster string, creds emulatortest.Credentials, ns string) {
	t.Helper()
	require.NoError(t, fxListPods(t, e, cluster, creds, ns), "%s lists pods in %s/%s", creds.AccessKeyID, cluster, ns)
}

func fxForbidden(t *testing.T, e *emulatortest.Emulator, cluster string, creds emulatortest.Credentials, ns string) {
	t.Helper()
	err := fxListPods(t, e, cluster, creds, ns)
	require.True(t, apierrors.IsForbidden(err), "%s lists pods in %s/%s: want 403 Forbidden, got %v", creds.AccessKeyID, cluster, ns, err)
	var status apierrors.APIStatus
	require.ErrorAs(t, err, &status)
	require.Equal(t, metav1.StatusReasonForbidden, status.Status().Reason)
	require.Contains(t, status.Status().Message, `cannot list resource "pods" in API group "" in the namespace "`+ns+`"`)
}

func fxUnauthorized(t *testing.T, e *emulatortest.Emulator, cluster string, creds emulatortest.Credentials) {
	t.Helper()
	err := fxListPods(t, e, cluster, creds, "default")
	require.True(t, apierrors.IsUnauthorized(err), "%s on %s: want 401 Unauthorized, got %v", creds.AccessKeyID, cluster, err)
}

func fxCreateNamespace(t *testing.T, cs *kubernetes.Clientset, name string) {
	t.Helper()
	_, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	require.NoError(t, err)
}

// fxEditAWSAuth appends mapUsers to kube-system/aws-auth, creating it if needed.
func fxEditAWSAuth(t *testing.T, cs *kubernetes.Clientset, mapUsers string) {
	t.Helper()
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("kube-system")
	cm, err := cms.Get(ctx, "aws-auth", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "aws-auth"}, Data: map[string]string{"mapUsers": mapUsers}}, metav1.CreateOptions{})
		require.NoError(t, err)
		return
	}
	require.NoError(t, err)
	cm.Data["mapUsers"] += mapUsers
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	require.NoError(t, err)
}

// fxMutateIAM adds a user with a key and a role.
func fxMutateIAM(t *testing.T, e *emulatortest.Emulator) {
	t.Helper()
	ctx := context.Background()
	_, err := e.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("intruder")})
	require.NoError(t, err)
	_, err = e.IAM().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("intruder")})
	require.NoError(t, err)
	_, err = e.IAM().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("intruders"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/intruder"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)
}

func fxDeleteCluster(t *testing.T, e *emulatortest.Emulator, name string) {
	t.Helper()
	_, err := e.EKS().DeleteCluster(context.Background(), &eks.DeleteClusterInput{Name: aws.String(name)})
	require.NoError(t, err)
}

// TestParallelEmulators runs an emulator with Kubernetes and an AWS-only one
// side by side in parallel subtests, with the same account and root
// credentials: what happens in one is invisible in the other.
func TestParallelEmulators(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Kubernetes API server")
	}
	kubeCh, awsCh := make(chan *emulatortest.Emulator, 1), make(chan *emulatortest.Emulator, 1)
	var checked sync.WaitGroup
	checked.Add(2)
	// side starts an emulator, hands it to the other subtest, checks it
	// against the other's, and keeps it running until both are checked.
	side := func(t *testing.T, mine, other chan *emulatortest.Emulator, start func(t *testing.T) *emulatortest.Emulator,
		check func(t *testing.T, mine, other *emulatortest.Emulator)) {
		t.Parallel()
		defer func() { checked.Done(); checked.Wait() }()
		published := false
		defer func() {
			if !published {
				mine <- nil
			}
		}()
		e := start(t)
		mine <- e
		published = true
		o := <-other
		if o == nil {
			t.Fatal("the other emulator did not start")
		}
		check(t, e, o)
	}
	ctx := context.Background()
	t.Run("side by side", func(t *testing.T) {
		t.Run("kubernetes", func(t *testing.T) {
			side(t, kubeCh, awsCh, func(t *testing.T) *emulatortest.Emulator {
				e := emulatortest.New(t, emulatortest.WithKubernetes(), emulatortest.WithFixture(filepath.Join("..", "fixtures", "examples", "access-entries.yaml")))
				_, err := e.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kube-only")})
				require.NoError(t, err)
				return e
			}, func(t *testing.T, mine, other *emulatortest.Emulator) {
				_, err := mine.IAM().GetUser(ctx, &iam.GetUserInput{UserName: aws.String("kubernetes-developer")})
				require.NoError(t, err)
				_, err = mine.IAM().GetUser(ctx, &iam.GetUserInput{UserName: aws.String("aws-only")})
				require.ErrorContains(t, err, "The user with name aws-only cannot be found.")
				_, err = mine.EKS().DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("aws-only")})
				require.ErrorContains(t, err, "No cluster found for name: aws-only.")
				fxAllowed(t, mine, "entries-demo", fxK8sDev, "app")
				fxForbidden(t, mine, "entries-demo", fxK8sDev, "default")
			})
		})
		t.Run("aws-only", func(t *testing.T) {
			side(t, awsCh, kubeCh, func(t *testing.T) *emulatortest.Emulator {
				e := emulatortest.New(t)
				_, err := e.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("aws-only")})
				require.NoError(t, err)
				_, err = e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("aws-only"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
					ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}})
				require.NoError(t, err)
				return e
			}, func(t *testing.T, mine, other *emulatortest.Emulator) {
				require.Equal(t, mine.Root(), other.Root())
				require.NotEqual(t, mine.URL, other.URL)
				require.NotEqual(t, mine.Config.DataDir, other.Config.DataDir)
				_, err := mine.IAM().GetUser(ctx, &iam.GetUserInput{UserName: aws.String("aws-only")})
				require.NoError(t, err)
				for _, name := range []string{"kubernetes-developer", "kube-only"} {
					_, err = mine.IAM().GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
					require.ErrorContains(t, err, "The user with name "+name+" cannot be found.")
				}
				_, err = mine.EKS().DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("entries-demo")})
				require.ErrorContains(t, err, "No cluster found for name: entries-demo.")
				l, err := mine.EKS().ListClusters(ctx, &eks.ListClustersInput{})
				require.NoError(t, err)
				require.Equal(t, []string{"aws-only"}, l.Clusters)
				require.Equal(t, ekstypes.ClusterStatusActive, mine.WaitActive(t, "aws-only").Status)
			})
		})
	})
}
