package authz

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/plugin/pkg/authorizer/webhook"
	"k8s.io/apiserver/plugin/pkg/authorizer/webhook/metrics"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	"k8s.io/client-go/rest"

	"github.com/eksemu/eksemu/store"
)

// benchCluster is a cluster with n access entries, each with two associations
// (SecretReader on namespaces team-*, View on the cluster), and the entry in
// the middle as the requester.
type benchCluster struct {
	key  store.ClusterKey
	uid  string
	user user.Info
}

func (f *fixture) benchCluster(b *testing.B, users []principal, n int) benchCluster {
	b.Helper()
	k := f.newCluster(store.ModeAPI)
	for _, p := range users[:n] {
		f.entry(k, p, "")
		f.associate(k, p, on(secretReader, nsScope("team-*")), on(view, clusterScope))
	}
	return benchCluster{key: k, uid: f.cluster(k).UID, user: users[n/2].userInfo("")}
}

// BenchmarkDecide measures one access-policy decision in clusters of 10, 1,000
// and 10,000 access entries; the cost must not grow with the number of entries.
//   - allow: list deployments -n team-a, allowed by the entry's second
//     association (View; SecretReader is looked at first and does not match);
//   - no-opinion: delete pods, which no association allows (all rules scanned);
//   - review: the same allow through ReviewAccess, the webhook's entry point;
//   - webhook: kube-apiserver's webhook authorizer client (the upstream
//     k8s.io/apiserver code) posting the SAR over HTTP to a handler that does
//     what eksemu's /authorize/{uid} handler does (ClusterByUID, decode,
//     ReviewAccess, encode). That handler is not exported, so it is mirrored here.
func BenchmarkDecide(b *testing.B) {
	sizes := []int{10, 1000, 10000}
	f := newFixture(b)
	users := make([]principal, sizes[len(sizes)-1])
	for i := range users {
		users[i] = f.user(fmt.Sprintf("u%05d", i))
	}
	clusters := map[int]benchCluster{}
	for _, n := range sizes {
		clusters[n] = f.benchCluster(b, users, n)
	}
	allow := &ra{Namespace: "team-a", Verb: "list", Group: "apps", Version: "v1", Resource: "deployments"}
	none := &ra{Namespace: "team-a", Verb: "delete", Version: "v1", Resource: "pods", Name: "p"}

	for _, n := range sizes {
		bc := clusters[n]
		b.Run(fmt.Sprintf("entries=%d/allow", n), func(b *testing.B) {
			c := f.cluster(bc.key)
			r := RequestOf(spec(bc.user, allow, nil))
			b.ReportAllocs()
			for b.Loop() {
				d, err := f.az.Decide(f.ctx, c, r)
				if err != nil || !d.Allowed || d.PolicyARN != policyARN0+view {
					b.Fatalf("Decide: %+v, %v", d, err)
				}
			}
		})
		b.Run(fmt.Sprintf("entries=%d/no-opinion", n), func(b *testing.B) {
			c := f.cluster(bc.key)
			r := RequestOf(spec(bc.user, none, nil))
			b.ReportAllocs()
			for b.Loop() {
				d, err := f.az.Decide(f.ctx, c, r)
				if err != nil || d.Allowed {
					b.Fatalf("Decide: %+v, %v", d, err)
				}
			}
		})
		b.Run(fmt.Sprintf("entries=%d/review", n), func(b *testing.B) {
			c := f.cluster(bc.key)
			s := spec(bc.user, allow, nil)
			b.ReportAllocs()
			for b.Loop() {
				if st := f.az.ReviewAccess(f.ctx, c, s); !st.Allowed {
					b.Fatalf("ReviewAccess: %+v", st)
				}
			}
		})
		b.Run(fmt.Sprintf("entries=%d/webhook", n), func(b *testing.B) {
			wa, hits := f.benchWebhook(b, bc.uid)
			attrs := authorizer.AttributesRecord{User: bc.user, Namespace: "team-a", Verb: "list", APIGroup: "apps", APIVersion: "v1",
				Resource: "deployments", ResourceRequest: true}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				d, _, err := wa.Authorize(ctx, attrs)
				if err != nil || d != authorizer.DecisionAllow {
					b.Fatalf("Authorize: %v, %v", d, err)
				}
			}
			if hits.Load() < int64(b.N) {
				b.Fatalf("%d SARs reached the handler for %d decisions (cached)", hits.Load(), b.N)
			}
		})
	}
}

// benchWebhook serves SARs for the cluster with the given UID the way
// emulator/kube's authorize handler does, and returns kube-apiserver's
// webhook authorizer pointed at it (no decision cache).
func (f *fixture) benchWebhook(b *testing.B, uid string) (*webhook.WebhookAuthorizer, *atomic.Int64) {
	hits := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		c, err := f.db.ClusterByUID(r.Context(), uid)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var sar authorizationv1.SubjectAccessReview
		if err := decodeJSON(r, &sar); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out := authorizationv1.SubjectAccessReview{}
		out.APIVersion, out.Kind = "authorization.k8s.io/v1", "SubjectAccessReview"
		out.Status = f.az.ReviewAccess(r.Context(), c, sar.Spec)
		replyJSON(w, out)
	}))
	b.Cleanup(srv.Close)
	client, err := authorizationv1client.NewForConfig(&rest.Config{Host: srv.URL, QPS: -1})
	if err != nil {
		b.Fatal(err)
	}
	wa, err := webhook.NewFromInterface(client, 0, 0, wait.Backoff{Steps: 1}, authorizer.DecisionNoOpinion, metrics.NoopAuthorizerMetrics{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return wa, hits
}
