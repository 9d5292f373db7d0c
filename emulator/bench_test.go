package emulator_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksemu/eksemu/emulator/emulatortest"
	"github.com/eksemu/eksemu/store"
)

const benchEntries = 100

// benchCluster starts an in-process emulator with a cluster in API mode that
// has benchEntries access entries (the creator's and those of 99 users), and
// returns their principal ARNs.
func benchCluster(b *testing.B) (*emulatortest.Emulator, []string) {
	b.Helper()
	e := emulatortest.New(b)
	ctx := context.Background()
	_, err := e.EKS().CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("bench"), RoleArn: aws.String("arn:aws:iam::111122223333:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}},
		AccessConfig:       &ekstypes.CreateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	if err != nil {
		b.Fatal(err)
	}
	db := e.Server.DB()
	k := store.ClusterKey{Account: e.Config.AccountID, Region: e.Region, Name: "bench"}
	arns := []string{"arn:aws:iam::111122223333:root"}
	for i := range benchEntries - 1 {
		u, err := db.CreateUser(ctx, e.Config.AccountID, fmt.Sprintf("user%03d", i), "/bench/")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.CreateAccessEntry(ctx, k, store.CreateAccessEntryInput{PrincipalARN: u.ARN, KubernetesGroups: []string{"devs"},
			Tags: map[string]string{"team": "bench", "n": fmt.Sprint(i)}}); err != nil {
			b.Fatal(err)
		}
		arns = append(arns, u.ARN)
	}
	return e, arns
}

// BenchmarkDescribeAccessEntry is a full round trip: aws-sdk-go-v2 client,
// SigV4 signing, loopback HTTP, verification, the store and the response.
func BenchmarkDescribeAccessEntry(b *testing.B) {
	e, arns := benchCluster(b)
	c := e.EKS()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("bench"), PrincipalArn: aws.String(arns[i%len(arns)])})
		if err != nil {
			b.Fatal(err)
		}
		if aws.ToString(out.AccessEntry.PrincipalArn) != arns[i%len(arns)] {
			b.Fatalf("described %s", aws.ToString(out.AccessEntry.PrincipalArn))
		}
	}
}

// BenchmarkListAccessEntries lists all benchEntries entries in one page, over HTTP.
func BenchmarkListAccessEntries(b *testing.B) {
	e, _ := benchCluster(b)
	c := e.EKS()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out, err := c.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("bench"), MaxResults: aws.Int32(100)})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.AccessEntries) != benchEntries {
			b.Fatalf("%d entries", len(out.AccessEntries))
		}
	}
}

// errCaptured stops the SDK once a request is signed and captured.
var errCaptured = errors.New("captured")

// capturer is an SDK HTTP client that records each signed request as the
// server would receive it (written to the wire and read back) and sends nothing.
type capturer struct{ reqs []*http.Request }

func (c *capturer) Do(r *http.Request) (*http.Response, error) {
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		return nil, err
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		return nil, err
	}
	sr.Body = http.NoBody // GET requests: reusable across iterations
	c.reqs = append(c.reqs, sr)
	return nil, errCaptured
}

// signedRequests builds requests with the SDK client (signed with real SigV4)
// without sending them.
func signedRequests(b *testing.B, e *emulatortest.Emulator, call func(c *eks.Client) error, n int) []*http.Request {
	b.Helper()
	cfg := e.AWSConfig(e.Root())
	capt := &capturer{}
	cfg.HTTPClient = capt
	c := eks.NewFromConfig(cfg)
	for range n {
		if err := call(c); !errors.Is(err, errCaptured) {
			b.Fatalf("capturing a request: %v", err)
		}
	}
	return capt.reqs
}

// serve runs one request through the emulator's handler and checks the status.
func serve(b *testing.B, h http.Handler, r *http.Request) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
}

// BenchmarkServerDescribeAccessEntry measures the server alone: requests are
// signed once, then each iteration is one call of the emulator's http.Handler
// (verification of the signature included), so ns/op and allocs/op are the
// server's cost per request.
func BenchmarkServerDescribeAccessEntry(b *testing.B) {
	e, arns := benchCluster(b)
	n := 0
	reqs := signedRequests(b, e, func(c *eks.Client) error {
		_, err := c.DescribeAccessEntry(context.Background(), &eks.DescribeAccessEntryInput{ClusterName: aws.String("bench"), PrincipalArn: aws.String(arns[n])})
		n++
		return err
	}, len(arns))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		serve(b, e.Server, reqs[i%len(reqs)])
	}
}

// BenchmarkServerListAccessEntries is ListAccessEntries (one page of 100) on the server alone.
func BenchmarkServerListAccessEntries(b *testing.B) {
	e, _ := benchCluster(b)
	reqs := signedRequests(b, e, func(c *eks.Client) error {
		_, err := c.ListAccessEntries(context.Background(), &eks.ListAccessEntriesInput{ClusterName: aws.String("bench"), MaxResults: aws.Int32(100)})
		return err
	}, 1)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, e.Server, reqs[0])
	}
}

// BenchmarkServerDescribeAccessEntryParallel is the server-only describe from
// GOMAXPROCS goroutines at once (reads share the store's reader pool).
func BenchmarkServerDescribeAccessEntryParallel(b *testing.B) {
	e, arns := benchCluster(b)
	n := 0
	reqs := signedRequests(b, e, func(c *eks.Client) error {
		_, err := c.DescribeAccessEntry(context.Background(), &eks.DescribeAccessEntryInput{ClusterName: aws.String("bench"), PrincipalArn: aws.String(arns[n])})
		n++
		return err
	}, len(arns))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		j := 0
		for pb.Next() {
			rec := httptest.NewRecorder()
			e.Server.ServeHTTP(rec, reqs[j%len(reqs)])
			if rec.Code != http.StatusOK {
				b.Errorf("HTTP %d: %s", rec.Code, rec.Body)
				return
			}
			j++
		}
	})
}
