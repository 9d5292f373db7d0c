package emulatortest_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/eksemu/eksemu/emulator/emulatortest"
)

// An emulator without Kubernetes (clusters turn ACTIVE at once): create an
// IAM user with a key, act as that user, and create a cluster as the root.
func ExampleNew() {
	t := newExampleT() // in a test: the test's *testing.T
	defer t.finish()

	e := emulatortest.New(t)
	ctx := context.Background()

	if _, err := e.IAM().CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := e.IAM().CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := emulatortest.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}
	who, err := e.STS(alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(aws.ToString(who.Arn))

	_, err = e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{
		Name: aws.String("demo"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
		AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi},
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(e.WaitActive(t, "demo").Status)
	entries, err := e.EKS().ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("demo")})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(entries.AccessEntries) // the creator's bootstrap entry
	// Output:
	// arn:aws:iam::111122223333:user/alice
	// ACTIVE
	// [arn:aws:iam::111122223333:root]
}

// An emulator with a real kube-apiserver per cluster, seeded from a fixture,
// and client-go acting as one of the fixture's IAM users, authenticated as
// kubectl on EKS is. (Not run by go test: it builds the eksemu binary and
// starts Kubernetes.)
func ExampleEmulator_RESTConfig() {
	t := newExampleT() // in a test: the test's *testing.T
	defer t.finish()

	e := emulatortest.New(t, emulatortest.WithKubernetes(),
		emulatortest.WithFixture("../../fixtures/examples/access-entries.yaml"))

	// The fixture gives kubernetes-developer this key and AmazonEKSViewPolicy
	// on namespace app only.
	dev := emulatortest.Credentials{AccessKeyID: "AKIAEKSEMUK8SDEV0001", SecretAccessKey: "k8sdev/secret/key/0000000000000000000000001"}
	cs, err := kubernetes.NewForConfig(e.RESTConfig(t, "entries-demo", dev))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pods, err := cs.CoreV1().Pods("app").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(len(pods.Items), "pods in app")
	_, err = cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	fmt.Println(apierrors.IsForbidden(err), err)
	// Prints:
	// 0 pods in app
	// true pods is forbidden: User "arn:aws:iam::111122223333:user/kubernetes-developer" cannot list resource "pods" in API group "" in the namespace "default"
}

// exampleT stands in for the *testing.T a test hands to New, which examples
// do not have: it provides what the emulatortest helpers use of testing.TB.
type exampleT struct {
	testing.TB // the rest of testing.TB, which the helpers do not call
	dirs       []string
	cleanups   []func()
}

func newExampleT() *exampleT { return &exampleT{} }

func (t *exampleT) Helper() {}

func (t *exampleT) TempDir() string {
	dir, err := os.MkdirTemp("", "emulatortest-example-")
	if err != nil {
		t.Fatal(err)
	}
	t.dirs = append(t.dirs, dir)
	return dir
}

func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *exampleT) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// finish runs the cleanups, last registered first, as a test's end does.
func (t *exampleT) finish() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, dir := range t.dirs {
		_ = os.RemoveAll(dir)
	}
}
