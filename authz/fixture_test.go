package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/filters"
	"k8s.io/apiserver/pkg/endpoints/filters/impersonation"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/plugin/pkg/authorizer/webhook"
	"k8s.io/apiserver/plugin/pkg/authorizer/webhook/metrics"
	"k8s.io/client-go/kubernetes/scheme"
	authorizationv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	"k8s.io/client-go/rest"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/store"
)

// The fixture of access-policies.md §3.9: account 111122223333, IAM role
// "dev" assumed with session "alice".
const (
	testAccount = "111122223333"
	testRegion  = "us-east-1"
	rootKeyID   = "AKIAIOSFODNN7EXAMPLE"
	rootSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	policyARN0  = "arn:aws:eks::aws:cluster-access-policy/"
)

// testClock is a manually advanced clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a real store with an account, its root caller and an authorizer.
type fixture struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	clock  *testClock
	az     *Authorizer
	root   store.Caller
	nextNo int
	dbPath string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	dbPath := t.TempDir() + "/db"
	db, err := store.Open(ctx, store.Options{Path: dbPath, Now: clock.Now, IDs: awsid.NewGenerator(awsid.SeededSource(1))})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.EnsureAccount(ctx, testAccount, rootKeyID, rootSecret); err != nil {
		t.Fatalf("EnsureAccount: %v", err)
	}
	cred, err := db.LookupAccessKey(ctx, rootKeyID)
	if err != nil {
		t.Fatalf("LookupAccessKey: %v", err)
	}
	az, err := New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("authz.New: %v", err)
	}
	return &fixture{t: t, ctx: ctx, db: db, clock: clock, az: az, root: cred.Caller, dbPath: dbPath}
}

func (f *fixture) noErr(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
}

// newCluster creates a cluster (CONFIG_MAP, as CreateCluster defaults) created
// by the account root, and moves it up the mode ladder to mode with
// UpdateClusterConfig (Delay 0: the mode is in force at once).
func (f *fixture) newCluster(mode string) store.ClusterKey {
	f.t.Helper()
	f.nextNo++
	c, err := f.db.CreateCluster(f.ctx, store.CreateClusterInput{Region: testRegion, Name: fmt.Sprintf("c%d", f.nextNo),
		RoleARN: "arn:aws:iam::111122223333:role/eks", Creator: f.root})
	f.noErr(err)
	for _, m := range []string{store.ModeAPIAndConfigMap, store.ModeAPI} {
		if c.AuthMode == mode {
			break
		}
		_, err := f.db.UpdateClusterConfig(f.ctx, c.ClusterKey, store.UpdateConfigInput{Type: store.UpdateAccessConfig, AuthMode: m, Delay: 0})
		f.noErr(err)
		c.AuthMode = m
	}
	return c.ClusterKey
}

// cluster reads the cluster as the webhook does for every call (ClusterByUID).
func (f *fixture) cluster(k store.ClusterKey) store.Cluster {
	f.t.Helper()
	c, err := f.db.GetCluster(f.ctx, k)
	f.noErr(err)
	byUID, err := f.db.ClusterByUID(f.ctx, c.UID)
	f.noErr(err)
	return byUID
}

// principal is an IAM principal with its unique ID and the session it
// authenticates with.
type principal struct {
	ARN, ID, Session string
	role             bool
}

func (f *fixture) role(name string) principal {
	f.t.Helper()
	r, err := f.db.CreateRole(f.ctx, store.RoleInput{Account: testAccount, Name: name,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`})
	f.noErr(err)
	return principal{ARN: r.ARN, ID: r.ID, Session: "alice", role: true}
}

func (f *fixture) user(name string) principal {
	f.t.Helper()
	u, err := f.db.CreateUser(f.ctx, testAccount, name, "")
	f.noErr(err)
	return principal{ARN: u.ARN, ID: u.ID}
}

// entry creates the principal's STANDARD access entry (default username unless given).
func (f *fixture) entry(k store.ClusterKey, p principal, username string) store.AccessEntry {
	f.t.Helper()
	e, err := f.db.CreateAccessEntry(f.ctx, k, store.CreateAccessEntryInput{PrincipalARN: p.ARN, Username: username})
	f.noErr(err)
	if e.PrincipalID != p.ID {
		f.t.Fatalf("entry of %s bound to %s, want %s", p.ARN, e.PrincipalID, p.ID)
	}
	return e
}

// association is one access-policy association of a test setup.
type association struct {
	policy string
	scope  store.AccessScope
}

var clusterScope = store.AccessScope{Type: store.ScopeCluster}

func nsScope(ns ...string) store.AccessScope {
	return store.AccessScope{Type: store.ScopeNamespace, Namespaces: ns}
}

func on(policy string, scope store.AccessScope) association {
	return association{policy: policy, scope: scope}
}

func (f *fixture) associate(k store.ClusterKey, p principal, as ...association) {
	f.t.Helper()
	for _, a := range as {
		_, err := f.db.AssociateAccessPolicy(f.ctx, k, p.ARN, policyARN0+a.policy, a.scope)
		f.noErr(err)
	}
}

// username is what the authenticator renders for p with the default username
// template (access-policies.md §0.1).
func (p principal) username() string {
	if p.role {
		name := p.ARN[strings.LastIndex(p.ARN, "/")+1:]
		return awsid.AssumedRoleARN("aws", testAccount, name, p.Session)
	}
	return p.ARN
}

// userInfo is the user the authenticator webhook returns for p (authn/mapping.go).
func (p principal) userInfo(username string) *user.DefaultInfo {
	if username == "" {
		username = p.username()
	}
	arn := p.ARN
	if p.role {
		arn = p.username()
	}
	return &user.DefaultInfo{
		Name:   username,
		UID:    "aws-iam-authenticator:" + testAccount + ":" + p.ID,
		Groups: []string{user.AllAuthenticated},
		Extra: map[string][]string{
			"accessKeyId":  {"ASIAIOSFODNN7EXAMPLE"},
			"arn":          {arn},
			"canonicalArn": {p.ARN},
			"principalId":  {p.ID},
			"sessionName":  {p.Session},
			"sigs.k8s.io/aws-iam-authenticator/principalId": {p.ID},
		},
	}
}

// spec is the SubjectAccessReview kube-apiserver sends for u asking ra or nra
// (webhook.Authorize: user, uid, groups, extra and one attribute set).
func spec(u user.Info, ra *authorizationv1.ResourceAttributes, nra *authorizationv1.NonResourceAttributes) authorizationv1.SubjectAccessReviewSpec {
	s := authorizationv1.SubjectAccessReviewSpec{User: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups(),
		ResourceAttributes: ra, NonResourceAttributes: nra}
	if len(u.GetExtra()) > 0 {
		s.Extra = map[string]authorizationv1.ExtraValue{}
		for k, v := range u.GetExtra() {
			s.Extra[k] = v
		}
	}
	return s
}

// withRules returns an authorizer over the same store whose catalogue gives
// policy the given rules (for the matcher cases of §3.9 that use hand-written
// rules no published policy has).
func (a *Authorizer) withRules(policy string, rules []rbacv1.PolicyRule) *Authorizer {
	c := *a
	c.catalogue = maps.Clone(a.catalogue)
	p := c.catalogue[policy]
	p.Rules = rules
	c.catalogue[policy] = p
	return &c
}

// kubeChain is the part of kube-apiserver's handler chain that decides with the
// authorization webhook, built from the upstream packages kube-apiserver uses:
// WithRequestInfo (RequestInfoFactory) → authentication (the user is given) →
// WithImpersonation → WithAuthorization, the authorizer being the upstream
// webhook client, posting to a server that answers with ReviewAccess as
// eksemu's webhook handler does. RBAC is left out: what is left is exactly
// what the access-policy authorizer decides.
type kubeChain struct {
	t       testing.TB
	srv     *httptest.Server
	mu      sync.Mutex
	reviews []authorizationv1.SubjectAccessReview // every SAR answered, with its status
}

func newKubeChain(t testing.TB, az func() *Authorizer, cluster func() store.Cluster) *kubeChain {
	k := &kubeChain{t: t}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sar authorizationv1.SubjectAccessReview
		if err := decodeJSON(r, &sar); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out := authorizationv1.SubjectAccessReview{Spec: sar.Spec}
		out.APIVersion, out.Kind = "authorization.k8s.io/v1", "SubjectAccessReview"
		out.Status = az().ReviewAccess(r.Context(), cluster(), sar.Spec)
		k.mu.Lock()
		k.reviews = append(k.reviews, out)
		k.mu.Unlock()
		replyJSON(w, out)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

// chainResult is what one request through the chain produced.
type chainResult struct {
	code    int
	body    string
	user    user.Info // the user the request was served as (when allowed)
	reviews []authorizationv1.SubjectAccessReview
}

func (k *kubeChain) do(u user.Info, method, path string, header http.Header) chainResult {
	k.t.Helper()
	client, err := authorizationv1client.NewForConfig(&rest.Config{Host: k.srv.URL})
	if err != nil {
		k.t.Fatalf("SAR client: %v", err)
	}
	// A new webhook authorizer per request: no decision cache between requests.
	wa, err := webhook.NewFromInterface(client, 0, 0, wait.Backoff{Steps: 1}, authorizer.DecisionNoOpinion, metrics.NoopAuthorizerMetrics{}, nil)
	if err != nil {
		k.t.Fatalf("webhook authorizer: %v", err)
	}
	var served user.Info
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served, _ = request.UserFrom(r.Context())
		w.WriteHeader(http.StatusOK)
	})
	h = filters.WithAuthorization(h, wa, scheme.Codecs)
	h = impersonation.WithImpersonation(h, wa, scheme.Codecs)
	authn := h
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authn.ServeHTTP(w, r.WithContext(request.WithUser(r.Context(), u)))
	})
	h = filters.WithRequestInfo(h, &request.RequestInfoFactory{APIPrefixes: sets.NewString("api", "apis"), GrouplessAPIPrefixes: sets.NewString("api")})

	k.mu.Lock()
	k.reviews = nil
	k.mu.Unlock()
	req := httptest.NewRequest(method, path, nil)
	maps.Copy(req.Header, header)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	k.mu.Lock()
	defer k.mu.Unlock()
	return chainResult{code: rec.Code, body: rec.Body.String(), user: served, reviews: k.reviews}
}

// forbiddenMessage extracts the message of a 403 Status body.
func forbiddenMessage(t testing.TB, body string) string {
	t.Helper()
	var st struct {
		Message string `json:"message"`
		Reason  string `json:"reason"`
		Code    int    `json:"code"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Reason != "Forbidden" || st.Code != 403 {
		t.Fatalf("not a Forbidden Status (%v): %s", err, body)
	}
	return st.Message
}

// decodeJSON and replyJSON are what emulator/kube's webhook handlers do with
// the review objects.
func decodeJSON(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v)
}

func replyJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
