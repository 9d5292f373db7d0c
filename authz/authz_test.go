package authz

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/eksemu/eksemu/store"
)

type (
	ra  = authorizationv1.ResourceAttributes
	nra = authorizationv1.NonResourceAttributes
)

const (
	view         = "AmazonEKSViewPolicy"
	edit         = "AmazonEKSEditPolicy"
	admin        = "AmazonEKSAdminPolicy"
	clusterAdmin = "AmazonEKSClusterAdminPolicy"
	adminView    = "AmazonEKSAdminViewPolicy"
	secretReader = "AmazonEKSSecretReaderPolicy"
	hybrid       = "AmazonEKSHybridPolicy"
	arcScaling   = "AmazonARCRegionSwitchScalingPolicy"
	// custom is a policy whose rules are unknown (it grants nothing); the matcher
	// cases give it hand-written rules.
	custom = "AmazonEKSEventPolicy"
)

// sarCase is one request of access-policies.md §3.9 that the access-policy
// authorizer decides, with the SubjectAccessReview kube-apiserver sends for it.
type sarCase struct {
	name  string
	setup []association
	rules []rbacv1.PolicyRule // rules of the custom policy (T47–T49)
	// method and path are the HTTP request kubectl makes (header: impersonation
	// headers); empty for SARs kube-apiserver makes internally (SelfSubjectAccessReview,
	// the bind/escalate checks, the WebSocket exec "create" check).
	method, path string
	header       http.Header
	// ra or nra are the attributes of the SAR: for HTTP requests, exactly what
	// RequestInfoFactory and the webhook client make of the request (checked
	// by TestSARCasesThroughKubeAPIServerChain); for impersonation, the first
	// check (the impersonation itself).
	ra  *ra
	nra *nra
	// allow is the policy whose association allows; "" for no opinion.
	allow string
}

var nameWeb = &authorizationv1.FieldSelectorAttributes{Requirements: []metav1.FieldSelectorRequirement{
	{Key: "metadata.name", Operator: metav1.FieldSelectorOpIn, Values: []string{"web"}}}}

// sarCases are the cases of §3.9 decided by the access-policy authorizer
// itself. Out of scope here, because kube-apiserver decides them (they belong
// to the e2e tests):
//   - T10–T13: the escalation checks after authorization ("covers" with the
//     rules RBAC sees); only their bind/escalate SARs are here;
//   - T16–T19: the baseline every user has comes from RBAC's discovery roles;
//     here only that access policies add nothing without an association;
//   - T42–T46: RBAC bindings of kubernetesGroups and their resolution errors;
//   - T52: system:masters (privileged-group authorizer); T53: entry validation
//     (store tests); T55: authentication (401).
var sarCases = []sarCase{
	{name: "T1 View(cluster) get secret db -n team-a", setup: []association{on(view, clusterScope)},
		method: "GET", path: "/api/v1/namespaces/team-a/secrets/db",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "secrets", Name: "db"}},
	{name: "T2 View(cluster) get pods -A", setup: []association{on(view, clusterScope)},
		method: "GET", path: "/api/v1/pods",
		ra: &ra{Verb: "list", Version: "v1", Resource: "pods"}, allow: view},
	{name: "T3 View(ns team-a) get pods -n team-a", setup: []association{on(view, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-a/pods",
		ra: &ra{Namespace: "team-a", Verb: "list", Version: "v1", Resource: "pods"}, allow: view},
	{name: "T3 View(ns team-a) get pods -n team-a --watch", setup: []association{on(view, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-a/pods?watch=true",
		ra: &ra{Namespace: "team-a", Verb: "watch", Version: "v1", Resource: "pods"}, allow: view},
	{name: "T4 View(ns team-a) get pods -A", setup: []association{on(view, nsScope("team-a"))},
		method: "GET", path: "/api/v1/pods",
		ra: &ra{Verb: "list", Version: "v1", Resource: "pods"}},
	{name: "T5 View(ns team-a) get namespaces", setup: []association{on(view, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces",
		ra: &ra{Verb: "list", Version: "v1", Resource: "namespaces"}},
	{name: "T6 View(ns team-a) get namespace team-a", setup: []association{on(view, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-a",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "namespaces", Name: "team-a"}, allow: view},
	{name: "T7 View(ns team-a) get namespace team-b", setup: []association{on(view, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-b",
		ra: &ra{Namespace: "team-b", Verb: "get", Version: "v1", Resource: "namespaces", Name: "team-b"}},
	{name: "T8 Edit(cluster) create rolebinding -n team-a", setup: []association{on(edit, clusterScope)},
		method: "POST", path: "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings",
		ra: &ra{Namespace: "team-a", Verb: "create", Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}},
	{name: "T9 Admin(ns team-a) create rolebindings -n team-a (authorized; T10's escalation check follows in kube-apiserver)",
		setup:  []association{on(admin, nsScope("team-a"))},
		method: "POST", path: "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings",
		ra: &ra{Namespace: "team-a", Verb: "create", Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}, allow: admin},
	{name: "T10 Admin(ns team-a) bind clusterrole view in team-a (escalation check, step 2)", setup: []association{on(admin, nsScope("team-a"))},
		ra: &ra{Namespace: "team-a", Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Name: "view"}},
	{name: "T12 Admin(ns team-a) escalate roles in team-a (escalation check)", setup: []association{on(admin, nsScope("team-a"))},
		ra: &ra{Namespace: "team-a", Verb: "escalate", Group: "rbac.authorization.k8s.io", Version: "*", Resource: "roles"}},
	{name: "T14 ClusterAdmin(cluster) get --raw /healthz", setup: []association{on(clusterAdmin, clusterScope)},
		method: "GET", path: "/healthz", nra: &nra{Path: "/healthz", Verb: "get"}, allow: clusterAdmin},
	{name: "T14 ClusterAdmin(cluster) get --raw /metrics", setup: []association{on(clusterAdmin, clusterScope)},
		method: "GET", path: "/metrics", nra: &nra{Path: "/metrics", Verb: "get"}, allow: clusterAdmin},
	{name: "T14 ClusterAdmin(cluster) get --raw /logs/", setup: []association{on(clusterAdmin, clusterScope)},
		method: "GET", path: "/logs/", nra: &nra{Path: "/logs/", Verb: "get"}, allow: clusterAdmin},
	{name: "T15 View(cluster) get --raw /metrics", setup: []association{on(view, clusterScope)},
		method: "GET", path: "/metrics", nra: &nra{Path: "/metrics", Verb: "get"}},
	{name: "T16 no policy: get --raw /version (RBAC's system:discovery allows it, not access policies)",
		method: "GET", path: "/version", nra: &nra{Path: "/version", Verb: "get"}},
	{name: "T16 no policy: get --raw /apis/apps/v1 (non-resource)",
		method: "GET", path: "/apis/apps/v1", nra: &nra{Path: "/apis/apps/v1", Verb: "get"}},
	{name: "T17 no policy: get --raw /healthz/etcd",
		method: "GET", path: "/healthz/etcd", nra: &nra{Path: "/healthz/etcd", Verb: "get"}},
	{name: "T18 View(cluster): HEAD /healthz has verb head", setup: []association{on(view, clusterScope)},
		method: "HEAD", path: "/healthz", nra: &nra{Path: "/healthz", Verb: "head"}},
	{name: "T20 ClusterAdmin(ns team-a) get nodes", setup: []association{on(clusterAdmin, nsScope("team-a"))},
		method: "GET", path: "/api/v1/nodes", ra: &ra{Verb: "list", Version: "v1", Resource: "nodes"}},
	{name: "T21 ClusterAdmin(ns team-a) delete namespace team-a", setup: []association{on(clusterAdmin, nsScope("team-a"))},
		method: "DELETE", path: "/api/v1/namespaces/team-a",
		ra: &ra{Namespace: "team-a", Verb: "delete", Version: "v1", Resource: "namespaces", Name: "team-a"}, allow: clusterAdmin},
	{name: "T21 ClusterAdmin(ns team-a) finalize namespace team-a", setup: []association{on(clusterAdmin, nsScope("team-a"))},
		method: "PUT", path: "/api/v1/namespaces/team-a/finalize",
		ra: &ra{Namespace: "team-a", Verb: "update", Version: "v1", Resource: "namespaces", Subresource: "finalize", Name: "team-a"}, allow: clusterAdmin},
	{name: "T22 ClusterAdmin(ns team-a) create namespace x", setup: []association{on(clusterAdmin, nsScope("team-a"))},
		method: "POST", path: "/api/v1/namespaces", ra: &ra{Verb: "create", Version: "v1", Resource: "namespaces"}},
	{name: "T22 ClusterAdmin(ns team-a) get --raw /metrics", setup: []association{on(clusterAdmin, nsScope("team-a"))},
		method: "GET", path: "/metrics", nra: &nra{Path: "/metrics", Verb: "get"}},
	{name: "T23 Admin(ns team-a) delete namespace team-a", setup: []association{on(admin, nsScope("team-a"))},
		method: "DELETE", path: "/api/v1/namespaces/team-a",
		ra: &ra{Namespace: "team-a", Verb: "delete", Version: "v1", Resource: "namespaces", Name: "team-a"}},
	{name: "T24 Edit(cluster) evict pod p -n team-a", setup: []association{on(edit, clusterScope)},
		method: "POST", path: "/api/v1/namespaces/team-a/pods/p/eviction",
		ra: &ra{Namespace: "team-a", Verb: "create", Version: "v1", Resource: "pods", Subresource: "eviction", Name: "p"}},
	{name: "T25 Edit(cluster) create token sa -n team-a", setup: []association{on(edit, clusterScope)},
		method: "POST", path: "/api/v1/namespaces/team-a/serviceaccounts/sa/token",
		ra: &ra{Namespace: "team-a", Verb: "create", Version: "v1", Resource: "serviceaccounts", Subresource: "token", Name: "sa"}},
	{name: "T26 Edit(cluster) create lease -n team-a", setup: []association{on(edit, clusterScope)},
		method: "POST", path: "/apis/coordination.k8s.io/v1/namespaces/team-a/leases",
		ra: &ra{Namespace: "team-a", Verb: "create", Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}},
	{name: "T27 AdminView(cluster) get secret db", setup: []association{on(adminView, clusterScope)},
		method: "GET", path: "/api/v1/namespaces/team-a/secrets/db",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "secrets", Name: "db"}, allow: adminView},
	{name: "T27 AdminView(cluster) get nodes", setup: []association{on(adminView, clusterScope)},
		method: "GET", path: "/api/v1/nodes", ra: &ra{Verb: "list", Version: "v1", Resource: "nodes"}, allow: adminView},
	{name: "T27 AdminView(cluster) logs p", setup: []association{on(adminView, clusterScope)},
		method: "GET", path: "/api/v1/namespaces/team-a/pods/p/log",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "pods", Subresource: "log", Name: "p"}, allow: adminView},
	{name: "T27 AdminView(cluster) get a custom resource", setup: []association{on(adminView, clusterScope)},
		method: "GET", path: "/apis/monitoring.coreos.com/v1/namespaces/team-a/servicemonitors",
		ra: &ra{Namespace: "team-a", Verb: "list", Group: "monitoring.coreos.com", Version: "v1", Resource: "servicemonitors"}, allow: adminView},
	{name: "T28 AdminView(cluster) delete pod p", setup: []association{on(adminView, clusterScope)},
		method: "DELETE", path: "/api/v1/namespaces/team-a/pods/p",
		ra: &ra{Namespace: "team-a", Verb: "delete", Version: "v1", Resource: "pods", Name: "p"}},
	{name: "T28 AdminView(cluster) has no non-resource URLs", setup: []association{on(adminView, clusterScope)},
		method: "GET", path: "/metrics", nra: &nra{Path: "/metrics", Verb: "get"}},
	{name: "T29 AdminView(cluster) exec over WebSocket is get pods/exec", setup: []association{on(adminView, clusterScope)},
		method: "GET", path: "/api/v1/namespaces/team-a/pods/p/exec?command=sh",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "pods", Subresource: "exec", Name: "p"}, allow: adminView},
	// From 1.35 (AuthorizePodWebsocketUpgradeCreatePermission, on by default)
	// the exec handler checks "create" too, which AdminView lacks: on the
	// 1.35+ clusters eksemu runs, T29 ends in 403.
	{name: "T29 AdminView(cluster) WebSocket exec, the 1.35+ create check", setup: []association{on(adminView, clusterScope)},
		ra: &ra{Namespace: "team-a", Verb: "create", Version: "v1", Resource: "pods", Subresource: "exec", Name: "p"}},
	{name: "T30 View(cluster) exec p (SPDY)", setup: []association{on(view, clusterScope)},
		method: "POST", path: "/api/v1/namespaces/team-a/pods/p/exec?command=sh",
		ra: &ra{Namespace: "team-a", Verb: "create", Version: "v1", Resource: "pods", Subresource: "exec", Name: "p"}},
	{name: "T30 View(cluster) exec p (WebSocket)", setup: []association{on(view, clusterScope)},
		method: "GET", path: "/api/v1/namespaces/team-a/pods/p/exec?command=sh",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "pods", Subresource: "exec", Name: "p"}},
	{name: "T31 Edit(cluster) scale deploy d", setup: []association{on(edit, clusterScope)},
		method: "PATCH", path: "/apis/apps/v1/namespaces/team-a/deployments/d/scale",
		ra: &ra{Namespace: "team-a", Verb: "patch", Group: "apps", Version: "v1", Resource: "deployments", Subresource: "scale", Name: "d"}, allow: edit},
	{name: "T32 Edit(cluster) debug p (ephemeralcontainers)", setup: []association{on(edit, clusterScope)},
		method: "PATCH", path: "/api/v1/namespaces/team-a/pods/p/ephemeralcontainers",
		ra: &ra{Namespace: "team-a", Verb: "patch", Version: "v1", Resource: "pods", Subresource: "ephemeralcontainers", Name: "p"}},
	{name: "T33 View(cluster) top pods", setup: []association{on(view, clusterScope)},
		method: "GET", path: "/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods",
		ra: &ra{Namespace: "team-a", Verb: "list", Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods"}},
	{name: "T34 SecretReader(ns team-a) get secrets -n team-a", setup: []association{on(secretReader, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-a/secrets",
		ra: &ra{Namespace: "team-a", Verb: "list", Version: "v1", Resource: "secrets"}, allow: secretReader},
	{name: "T34 SecretReader(ns team-a) get secrets -n team-b", setup: []association{on(secretReader, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-b/secrets",
		ra: &ra{Namespace: "team-b", Verb: "list", Version: "v1", Resource: "secrets"}},
	{name: "T35 Hybrid(cluster) get nodes", setup: []association{on(hybrid, clusterScope)},
		method: "GET", path: "/api/v1/nodes", ra: &ra{Verb: "list", Version: "v1", Resource: "nodes"}, allow: hybrid},
	{name: "T35 Hybrid(cluster) get node n1", setup: []association{on(hybrid, clusterScope)},
		method: "GET", path: "/api/v1/nodes/n1", ra: &ra{Verb: "get", Version: "v1", Resource: "nodes", Name: "n1"}},
	{name: "T36 View(cluster)+Admin(ns team-a) delete deploy d -n team-a", setup: []association{on(view, clusterScope), on(admin, nsScope("team-a"))},
		method: "DELETE", path: "/apis/apps/v1/namespaces/team-a/deployments/d",
		ra: &ra{Namespace: "team-a", Verb: "delete", Group: "apps", Version: "v1", Resource: "deployments", Name: "d"}, allow: admin},
	{name: "T36 View(cluster)+Admin(ns team-a) get deploy d -n team-a: the cluster-scoped association is reported first, as RBAC visits ClusterRoleBindings first",
		setup:  []association{on(view, clusterScope), on(admin, nsScope("team-a"))},
		method: "GET", path: "/apis/apps/v1/namespaces/team-a/deployments/d",
		ra: &ra{Namespace: "team-a", Verb: "get", Group: "apps", Version: "v1", Resource: "deployments", Name: "d"}, allow: view},
	{name: "T36 View(cluster)+Admin(ns team-a) delete deploy d -n team-b", setup: []association{on(view, clusterScope), on(admin, nsScope("team-a"))},
		method: "DELETE", path: "/apis/apps/v1/namespaces/team-b/deployments/d",
		ra: &ra{Namespace: "team-b", Verb: "delete", Group: "apps", Version: "v1", Resource: "deployments", Name: "d"}},
	{name: "T36 View(cluster)+Admin(ns team-a) get deploy d -n team-b", setup: []association{on(view, clusterScope), on(admin, nsScope("team-a"))},
		method: "GET", path: "/apis/apps/v1/namespaces/team-b/deployments/d",
		ra: &ra{Namespace: "team-b", Verb: "get", Group: "apps", Version: "v1", Resource: "deployments", Name: "d"}, allow: view},
	{name: "T37 View(ns dev-*) get pods -n dev-1", setup: []association{on(view, nsScope("dev-*"))},
		method: "GET", path: "/api/v1/namespaces/dev-1/pods",
		ra: &ra{Namespace: "dev-1", Verb: "list", Version: "v1", Resource: "pods"}, allow: view},
	{name: "T37 View(ns dev-*) get pods -n dev", setup: []association{on(view, nsScope("dev-*"))},
		method: "GET", path: "/api/v1/namespaces/dev/pods",
		ra: &ra{Namespace: "dev", Verb: "list", Version: "v1", Resource: "pods"}},
	{name: "T37 View(ns dev-*) get pods -n prod-dev-1", setup: []association{on(view, nsScope("dev-*"))},
		method: "GET", path: "/api/v1/namespaces/prod-dev-1/pods",
		ra: &ra{Namespace: "prod-dev-1", Verb: "list", Version: "v1", Resource: "pods"}},
	{name: "T37 View(ns *) get pods -n anything", setup: []association{on(view, nsScope("*"))},
		method: "GET", path: "/api/v1/namespaces/anything/pods",
		ra: &ra{Namespace: "anything", Verb: "list", Version: "v1", Resource: "pods"}, allow: view},
	{name: "T37 View(ns *) get pods -A (still not cluster scope)", setup: []association{on(view, nsScope("*"))},
		method: "GET", path: "/api/v1/pods", ra: &ra{Verb: "list", Version: "v1", Resource: "pods"}},
	{name: "T38 Edit(ns team-a) --as=system:serviceaccount:team-a:deployer get pods -n team-a", setup: []association{on(edit, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-a/pods", header: http.Header{"Impersonate-User": {"system:serviceaccount:team-a:deployer"}},
		ra: &ra{Namespace: "team-a", Verb: "impersonate", Resource: "serviceaccounts", Name: "deployer"}, allow: edit},
	{name: "T39 Edit(ns team-a) --as=system:serviceaccount:team-b:x get pods -n team-b", setup: []association{on(edit, nsScope("team-a"))},
		method: "GET", path: "/api/v1/namespaces/team-b/pods", header: http.Header{"Impersonate-User": {"system:serviceaccount:team-b:x"}},
		ra: &ra{Namespace: "team-b", Verb: "impersonate", Resource: "serviceaccounts", Name: "x"}},
	{name: "T40 ClusterAdmin(cluster) --as=U get pods", setup: []association{on(clusterAdmin, clusterScope)},
		method: "GET", path: "/api/v1/namespaces/default/pods", header: http.Header{"Impersonate-User": {"arn:aws:sts::111122223333:assumed-role/dev/alice"}},
		ra: &ra{Verb: "impersonate", Resource: "users", Name: "arn:aws:sts::111122223333:assumed-role/dev/alice"}, allow: clusterAdmin},
	{name: "T41 ARC(cluster) PATCH deployments/scale", setup: []association{on(arcScaling, clusterScope)},
		method: "PATCH", path: "/apis/apps/v1/namespaces/team-a/deployments/d/scale",
		ra: &ra{Namespace: "team-a", Verb: "patch", Group: "apps", Version: "v1", Resource: "deployments", Subresource: "scale", Name: "d"}},
	{name: "T41 ARC(cluster) PUT deployments/scale", setup: []association{on(arcScaling, clusterScope)},
		method: "PUT", path: "/apis/apps/v1/namespaces/team-a/deployments/d/scale",
		ra: &ra{Namespace: "team-a", Verb: "update", Group: "apps", Version: "v1", Resource: "deployments", Subresource: "scale", Name: "d"}, allow: arcScaling},
	{name: "T41 ARC(cluster) PATCH deployments", setup: []association{on(arcScaling, clusterScope)},
		method: "PATCH", path: "/apis/apps/v1/namespaces/team-a/deployments/d",
		ra: &ra{Namespace: "team-a", Verb: "patch", Group: "apps", Version: "v1", Resource: "deployments", Name: "d"}},
	{name: "T41 ARC(cluster) get statefulsets/status (*/status)", setup: []association{on(arcScaling, clusterScope)},
		method: "GET", path: "/apis/apps/v1/namespaces/team-a/statefulsets/s/status",
		ra: &ra{Namespace: "team-a", Verb: "get", Group: "apps", Version: "v1", Resource: "statefulsets", Subresource: "status", Name: "s"}, allow: arcScaling},
	{name: "T47 rule pods/*: get pods/log", setup: []association{on(custom, clusterScope)},
		rules:  []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods/*"}, Verbs: []string{"get"}}},
		method: "GET", path: "/api/v1/namespaces/team-a/pods/p/log",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "pods", Subresource: "log", Name: "p"}},
	{name: "T48 resourceNames [web]: get pod web", setup: []association{on(custom, clusterScope)}, rules: webOnly,
		method: "GET", path: "/api/v1/namespaces/team-a/pods/web",
		ra: &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "pods", Name: "web"}, allow: custom},
	{name: "T48 resourceNames [web]: get pods", setup: []association{on(custom, clusterScope)}, rules: webOnly,
		method: "GET", path: "/api/v1/namespaces/team-a/pods",
		ra: &ra{Namespace: "team-a", Verb: "list", Version: "v1", Resource: "pods"}},
	{name: "T48 resourceNames [web]: get pods --field-selector metadata.name=web", setup: []association{on(custom, clusterScope)}, rules: webOnly,
		method: "GET", path: "/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Dweb",
		ra: &ra{Namespace: "team-a", Verb: "list", Version: "v1", Resource: "pods", Name: "web", FieldSelector: nameWeb}, allow: custom},
	{name: "T48 resourceNames [web]: create pod", setup: []association{on(custom, clusterScope)}, rules: webOnly,
		method: "POST", path: "/api/v1/namespaces/team-a/pods",
		ra: &ra{Namespace: "team-a", Verb: "create", Version: "v1", Resource: "pods"}},
	{name: "T49 /healthz/*: /healthz/etcd", setup: []association{on(custom, clusterScope)}, rules: healthzStar,
		method: "GET", path: "/healthz/etcd", nra: &nra{Path: "/healthz/etcd", Verb: "get"}, allow: custom},
	{name: "T49 /healthz/*: /healthz/", setup: []association{on(custom, clusterScope)}, rules: healthzStar,
		method: "GET", path: "/healthz/", nra: &nra{Path: "/healthz/", Verb: "get"}, allow: custom},
	{name: "T49 /healthz/*: /healthz (allowed by RBAC's discovery role, not by this rule)", setup: []association{on(custom, clusterScope)}, rules: healthzStar,
		method: "GET", path: "/healthz", nra: &nra{Path: "/healthz", Verb: "get"}},
	{name: "T50 View(ns default) auth can-i list namespaces (SSAR with namespace default)", setup: []association{on(view, nsScope("default"))},
		ra: &ra{Namespace: "default", Verb: "list", Resource: "namespaces"}, allow: view},
	{name: "T50 View(ns default) get namespaces", setup: []association{on(view, nsScope("default"))},
		method: "GET", path: "/api/v1/namespaces", ra: &ra{Verb: "list", Version: "v1", Resource: "namespaces"}},
	{name: "T54 ClusterAdmin(cluster) bind clusterrole cluster-admin in a ClusterRoleBinding", setup: []association{on(clusterAdmin, clusterScope)},
		ra: &ra{Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Name: "cluster-admin"}, allow: clusterAdmin},
	{name: "§3.6 ClusterAdmin(ns team-a) bind clusterrole view in team-a", setup: []association{on(clusterAdmin, nsScope("team-a"))},
		ra: &ra{Namespace: "team-a", Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Name: "view"}, allow: clusterAdmin},
	{name: "§3.6 ClusterAdmin(ns team-a) bind in a ClusterRoleBinding", setup: []association{on(clusterAdmin, nsScope("team-a"))},
		ra: &ra{Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Name: "view"}},
	{name: "entry with no association: get pods -n team-a",
		method: "GET", path: "/api/v1/namespaces/team-a/pods", ra: &ra{Namespace: "team-a", Verb: "list", Version: "v1", Resource: "pods"}},
	{name: "unknown-rules policy grants nothing", setup: []association{on(custom, clusterScope)},
		method: "GET", path: "/api/v1/namespaces/team-a/pods", ra: &ra{Namespace: "team-a", Verb: "list", Version: "v1", Resource: "pods"}},
	{name: "verbs are exact: View(cluster) deletecollection pods", setup: []association{on(view, clusterScope)},
		method: "DELETE", path: "/api/v1/namespaces/team-a/pods", ra: &ra{Namespace: "team-a", Verb: "deletecollection", Version: "v1", Resource: "pods"}},
	{name: "groups are exact: View(cluster) list apps deployments vs an unknown group", setup: []association{on(view, clusterScope)},
		method: "GET", path: "/apis/example.com/v1/namespaces/team-a/deployments", ra: &ra{Namespace: "team-a", Verb: "list", Group: "example.com", Version: "v1", Resource: "deployments"}},
}

var (
	webOnly     = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"web"}, Verbs: []string{"get", "list", "watch"}}}
	healthzStar = []rbacv1.PolicyRule{{NonResourceURLs: []string{"/healthz/*"}, Verbs: []string{"get"}}}
)

// sarFixture is one cluster per case with the §3.9 principal (role dev,
// session alice) and its STANDARD entry carrying the case's associations.
type sarFixture struct {
	*fixture
	dev principal
}

func newSARFixture(t *testing.T) *sarFixture {
	f := newFixture(t)
	return &sarFixture{fixture: f, dev: f.role("dev")}
}

func (f *sarFixture) setup(tc sarCase) (store.ClusterKey, store.AccessEntry, *Authorizer) {
	k := f.newCluster(store.ModeAPIAndConfigMap)
	e := f.entry(k, f.dev, "")
	f.associate(k, f.dev, tc.setup...)
	az := f.az
	if tc.rules != nil {
		az = az.withRules(custom, tc.rules)
	}
	return k, e, az
}

// wantReason is EKS's audit reason for an allow by association as of entry e
// (access-policies.md §3.5; namespace scope in the RoleBinding form).
func wantReason(e store.AccessEntry, policy string, scope store.AccessScope, ns string) string {
	policyARN := policyARN0 + policy
	if scope.Type == store.ScopeNamespace {
		return fmt.Sprintf(`EKS Access Policy: allowed by RoleBinding "%s+%s/%s" of ClusterRole "%s" to User "%s"`, e.PrincipalARN, policyARN, ns, policyARN, e.PrincipalID)
	}
	return fmt.Sprintf(`EKS Access Policy: allowed by ClusterRoleBinding "%s+%s" of ClusterRole "%s" to User "%s"`, e.PrincipalARN, policyARN, policyARN, e.PrincipalID)
}

func (tc sarCase) scopeOf(policy string) store.AccessScope {
	for _, a := range tc.setup {
		if a.policy == policy {
			return a.scope
		}
	}
	return store.AccessScope{}
}

func (tc sarCase) namespace() string {
	if tc.ra != nil {
		return tc.ra.Namespace
	}
	return ""
}

// TestSARCases decides every case from the SubjectAccessReviewSpec
// kube-apiserver sends, through ReviewAccess (the webhook's entry point).
func TestSARCases(t *testing.T) {
	f := newSARFixture(t)
	for _, tc := range sarCases {
		t.Run(tc.name, func(t *testing.T) {
			k, e, az := f.setup(tc)
			c := f.cluster(k)
			s := spec(f.dev.userInfo(""), tc.ra, tc.nra)
			st := az.ReviewAccess(f.ctx, c, s)
			if st.Allowed != (tc.allow != "") || st.Denied {
				t.Fatalf("ReviewAccess = %+v, want allowed=%v (by %q), never denied", st, tc.allow != "", tc.allow)
			}
			want := ""
			if tc.allow != "" {
				want = wantReason(e, tc.allow, tc.scopeOf(tc.allow), tc.namespace())
			}
			if st.Reason != want {
				t.Errorf("reason\n  got  %q\n  want %q", st.Reason, want)
			}
			if st.EvaluationError != "" {
				t.Errorf("evaluationError %q", st.EvaluationError)
			}
			d, err := az.Decide(f.ctx, c, RequestOf(s))
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if tc.allow != "" {
				if want := tc.scopeOf(tc.allow); d.PolicyARN != policyARN0+tc.allow || d.Scope.Type != want.Type || !slices.Equal(d.Scope.Namespaces, want.Namespaces) {
					t.Errorf("allowed by %s %+v, want %s %+v", d.PolicyARN, d.Scope, tc.allow, tc.scopeOf(tc.allow))
				}
				if d.Approximate != (tc.allow == custom) {
					t.Errorf("Approximate = %v", d.Approximate)
				}
			} else if d.Why == "" {
				t.Errorf("no-opinion decision without an explanation: %+v", d)
			}
		})
	}
}

// TestSARCasesThroughKubeAPIServerChain sends each case's HTTP request through
// kube-apiserver's own request-info, impersonation and authorization filters
// and webhook client: the SAR that reaches eksemu is exactly the case's
// attributes, and the decision is the same.
func TestSARCasesThroughKubeAPIServerChain(t *testing.T) {
	f := newSARFixture(t)
	var (
		k  store.ClusterKey
		az *Authorizer
	)
	chain := newKubeChain(t, func() *Authorizer { return az }, func() store.Cluster { return f.cluster(k) })
	for _, tc := range sarCases {
		if tc.method == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			k, _, az = f.setup(tc)
			u := f.dev.userInfo("")
			res := chain.do(u, tc.method, tc.path, tc.header)
			if len(res.reviews) == 0 {
				t.Fatalf("no SubjectAccessReview reached the webhook (HTTP %d %s)", res.code, res.body)
			}
			first := res.reviews[0]
			if want := spec(u, tc.ra, tc.nra); !reflect.DeepEqual(first.Spec, want) {
				t.Errorf("SAR sent by kube-apiserver\n  got  %+v\n       %+v\n  want %+v\n       %+v", first.Spec.ResourceAttributes, first.Spec.NonResourceAttributes, want.ResourceAttributes, want.NonResourceAttributes)
				if !reflect.DeepEqual(first.Spec.Extra, want.Extra) || first.Spec.User != want.User || first.Spec.UID != want.UID {
					t.Errorf("user part\n  got  %+v\n  want %+v", first.Spec, want)
				}
			}
			if first.Status.Allowed != (tc.allow != "") {
				t.Errorf("first SAR allowed = %v, want %v", first.Status.Allowed, tc.allow != "")
			}
			impersonating := tc.header.Get("Impersonate-User") != ""
			switch {
			case impersonating && tc.allow != "":
				// The impersonation is allowed; the request itself runs as the
				// impersonated user, who carries no principal ID: no policies.
				if len(res.reviews) != 2 {
					t.Fatalf("%d SARs, want the impersonation check and the request", len(res.reviews))
				}
				second := res.reviews[1].Spec
				if second.User != tc.header.Get("Impersonate-User") || len(second.Extra) != 0 {
					t.Errorf("impersonated request sent as %q with extras %v", second.User, second.Extra)
				}
				if res.reviews[1].Status.Allowed || res.code != http.StatusForbidden {
					t.Errorf("impersonated request: allowed=%v, HTTP %d; want no opinion and 403", res.reviews[1].Status.Allowed, res.code)
				}
			case tc.allow != "":
				if res.code != http.StatusOK || len(res.reviews) != 1 || res.user.GetName() != u.Name {
					t.Errorf("HTTP %d after %d SARs as %v, want 200 after 1 as %s: %s", res.code, len(res.reviews), res.user, u.Name, res.body)
				}
			default:
				if res.code != http.StatusForbidden || len(res.reviews) != 1 {
					t.Errorf("HTTP %d after %d SARs, want 403 after 1: %s", res.code, len(res.reviews), res.body)
				}
			}
		})
	}
}

// TestForbiddenMessages: a no-opinion adds no reason, so kube-apiserver's 403
// text is the plain one of access-policies.md §6 (no suffix).
func TestForbiddenMessages(t *testing.T) {
	f := newSARFixture(t)
	var (
		k  store.ClusterKey
		az *Authorizer
	)
	chain := newKubeChain(t, func() *Authorizer { return az }, func() store.Cluster { return f.cluster(k) })
	const u = "arn:aws:sts::111122223333:assumed-role/dev/alice"
	for _, tc := range []struct {
		setup        []association
		method, path string
		header       http.Header
		want         string
	}{
		{[]association{on(view, clusterScope)}, "GET", "/api/v1/namespaces/team-a/secrets/db", nil,
			`secrets "db" is forbidden: User "` + u + `" cannot get resource "secrets" in API group "" in the namespace "team-a"`},
		{[]association{on(view, nsScope("team-a"))}, "GET", "/api/v1/pods", nil,
			`pods is forbidden: User "` + u + `" cannot list resource "pods" in API group "" at the cluster scope`},
		{[]association{on(view, clusterScope)}, "GET", "/metrics", nil,
			`forbidden: User "` + u + `" cannot get path "/metrics"`},
		{[]association{on(view, clusterScope)}, "POST", "/api/v1/namespaces/team-a/pods/web-0/exec", nil,
			`pods "web-0" is forbidden: User "` + u + `" cannot create resource "pods/exec" in API group "" in the namespace "team-a"`},
		{[]association{on(edit, nsScope("team-a"))}, "GET", "/api/v1/namespaces/team-b/pods", http.Header{"Impersonate-User": {"system:serviceaccount:team-b:x"}},
			`serviceaccounts "x" is forbidden: User "` + u + `" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "team-b"`},
		{[]association{on(view, clusterScope)}, "GET", "/api/v1/namespaces/team-a/pods", http.Header{"Impersonate-User": {"bob"}},
			`users "bob" is forbidden: User "` + u + `" cannot impersonate resource "users" in API group "" at the cluster scope`},
	} {
		k, _, az = f.setup(sarCase{setup: tc.setup})
		res := chain.do(f.dev.userInfo(""), tc.method, tc.path, tc.header)
		if res.code != http.StatusForbidden {
			t.Errorf("%s %s: HTTP %d, want 403", tc.method, tc.path, res.code)
			continue
		}
		if got := forbiddenMessage(t, res.body); got != tc.want {
			t.Errorf("%s %s:\n  got  %s\n  want %s", tc.method, tc.path, got, tc.want)
		}
	}
}

// TestPrincipalIDExtras: the principal ID comes from either extra key, and a
// review without one (impersonated, anonymous, a SAR without extras) gets no
// policies, whatever its username, groups or UID say.
func TestPrincipalIDExtras(t *testing.T) {
	f := newFixture(t)
	k := f.newCluster(store.ModeAPI)
	dev := f.role("dev")
	e := f.entry(k, dev, "")
	f.associate(k, dev, on(clusterAdmin, clusterScope))
	c := f.cluster(k)
	listPods := &ra{Namespace: "team-a", Verb: "list", Version: "v1", Resource: "pods"}
	full := dev.userInfo("")

	for _, tc := range []struct {
		name  string
		extra map[string][]string
		allow bool
	}{
		{"both keys (aws-iam-authenticator)", full.Extra, true},
		{"principalId only", map[string][]string{"principalId": {dev.ID}}, true},
		{"sigs.k8s.io key only", map[string][]string{"sigs.k8s.io/aws-iam-authenticator/principalId": {dev.ID}}, true},
		{"no extras (impersonated)", nil, false},
		{"other extras only", map[string][]string{"arn": {dev.username()}, "canonicalArn": {dev.ARN}, "sessionName": {"alice"}}, false},
		{"empty principal ID", map[string][]string{"principalId": {""}}, false},
		{"two principal IDs", map[string][]string{"principalId": {dev.ID, dev.ID}}, false},
		{"principal ID in another case", map[string][]string{"principalId": {strings.ToLower(dev.ID)}}, false},
		{"principal ARN instead of ID", map[string][]string{"principalId": {dev.ARN}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &user.DefaultInfo{Name: full.Name, UID: full.UID, Groups: full.Groups, Extra: tc.extra}
			st := f.az.ReviewAccess(f.ctx, c, spec(u, listPods, nil))
			if st.Allowed != tc.allow {
				t.Fatalf("allowed = %v, want %v (%+v)", st.Allowed, tc.allow, st)
			}
			if tc.allow && st.Reason != wantReason(e, clusterAdmin, clusterScope, "") {
				t.Errorf("reason %q", st.Reason)
			}
			if !tc.allow && st.Reason != "" {
				t.Errorf("no-opinion with reason %q", st.Reason)
			}
		})
	}

	// An empty SAR (neither attribute set) gets no opinion.
	if d, err := f.az.Decide(f.ctx, c, RequestOf(spec(full, nil, nil))); err != nil || d.Allowed {
		t.Errorf("empty SAR: %+v, %v", d, err)
	}
}

// TestMatchesByPrincipalIDNotUsername (pitfall 1): two principals share a
// custom username and group; each gets only its own entry's policies.
func TestMatchesByPrincipalIDNotUsername(t *testing.T) {
	f := newFixture(t)
	k := f.newCluster(store.ModeAPIAndConfigMap)
	alice, bob := f.role("alice-role"), f.user("bob")
	ea := f.entry(k, alice, "Viewers")
	eb := f.entry(k, bob, "Viewers")
	f.associate(k, alice, on(clusterAdmin, clusterScope))
	f.associate(k, bob, on(view, clusterScope))
	c := f.cluster(k)
	del := &ra{Namespace: "team-a", Verb: "delete", Version: "v1", Resource: "pods", Name: "p"}
	get := &ra{Namespace: "team-a", Verb: "get", Version: "v1", Resource: "pods", Name: "p"}

	review := func(p principal, attrs *ra) authorizationv1.SubjectAccessReviewStatus {
		u := p.userInfo("Viewers")
		u.Groups = append(u.Groups, "viewers")
		return f.az.ReviewAccess(f.ctx, c, spec(u, attrs, nil))
	}
	if st := review(alice, del); !st.Allowed || st.Reason != wantReason(ea, clusterAdmin, clusterScope, "") {
		t.Errorf("alice delete: %+v", st)
	}
	if st := review(bob, del); st.Allowed {
		t.Errorf("bob (View) may delete with alice's username: %+v", st)
	}
	if st := review(bob, get); !st.Allowed || st.Reason != wantReason(eb, view, clusterScope, "") {
		t.Errorf("bob get: %+v", st)
	}
	// Alice's username with bob's principal ID gets bob's policies only.
	u := alice.userInfo("Viewers")
	u.Extra = bob.userInfo("").Extra
	if st := f.az.ReviewAccess(f.ctx, c, spec(u, del, nil)); st.Allowed {
		t.Errorf("alice's name with bob's principal ID may delete: %+v", st)
	}

	// A principal with an entry in another cluster only gets nothing here.
	carol := f.role("carol")
	other := f.newCluster(store.ModeAPI)
	f.entry(other, carol, "Viewers")
	f.associate(other, carol, on(clusterAdmin, clusterScope))
	if st := review(carol, get); st.Allowed {
		t.Errorf("carol allowed through another cluster's entry: %+v", st)
	}
	if st := f.az.ReviewAccess(f.ctx, f.cluster(other), spec(carol.userInfo("Viewers"), get, nil)); !st.Allowed {
		t.Errorf("carol in her own cluster: %+v", st)
	}

	// The entry stays bound to the principal ID it was created with: a role
	// deleted and re-created under the same name (new ID) gets nothing.
	f.noErr(f.db.DeleteRole(f.ctx, testAccount, "alice-role"))
	again := f.role("alice-role")
	if again.ID == alice.ID {
		t.Fatalf("re-created role kept its ID %s", again.ID)
	}
	if st := review(again, get); st.Allowed {
		t.Errorf("re-created role (new ID) inherits the old entry's policies: %+v", st)
	}
	if st := review(alice, get); !st.Allowed {
		t.Errorf("the old principal ID lost its policies: %+v", st)
	}
}

// TestAuthenticationModes: access policies do not apply in CONFIG_MAP mode
// (not even the creator's bootstrap ClusterAdmin entry); they do from the
// moment the move to API_AND_CONFIG_MAP completes, and in API.
func TestAuthenticationModes(t *testing.T) {
	f := newFixture(t)
	c, err := f.db.CreateCluster(f.ctx, store.CreateClusterInput{Region: testRegion, Name: "cm", RoleARN: "arn:aws:iam::111122223333:role/eks", Creator: f.root})
	f.noErr(err)
	k := c.ClusterKey
	root := principal{ARN: f.root.PrincipalARN, ID: f.root.PrincipalID}
	entry, err := f.db.AccessEntryForPrincipal(f.ctx, k, root.ID)
	f.noErr(err)
	getNodes := &ra{Verb: "list", Version: "v1", Resource: "nodes"}
	review := func() authorizationv1.SubjectAccessReviewStatus {
		return f.az.ReviewAccess(f.ctx, f.cluster(k), spec(root.userInfo(""), getNodes, nil))
	}

	if m := f.cluster(k).AuthMode; m != store.ModeConfigMap {
		t.Fatalf("mode %s", m)
	}
	if st := review(); st.Allowed || st.Reason != "" {
		t.Errorf("CONFIG_MAP: %+v, want no opinion", st)
	}
	_, err = f.db.UpdateClusterConfig(f.ctx, k, store.UpdateConfigInput{Type: store.UpdateAccessConfig, AuthMode: store.ModeAPIAndConfigMap, Delay: 3 * time.Second})
	f.noErr(err)
	if st := review(); st.Allowed {
		t.Errorf("update to API_AND_CONFIG_MAP in progress: %+v, want no opinion", st)
	}
	f.clock.Advance(3 * time.Second)
	if st := review(); !st.Allowed || st.Reason != wantReason(entry, clusterAdmin, clusterScope, "") {
		t.Errorf("API_AND_CONFIG_MAP: %+v", st)
	}
	_, err = f.db.UpdateClusterConfig(f.ctx, k, store.UpdateConfigInput{Type: store.UpdateAccessConfig, AuthMode: store.ModeAPI, Delay: 0})
	f.noErr(err)
	if st := review(); !st.Allowed {
		t.Errorf("API: %+v", st)
	}
	// The decision follows the cluster the webhook passes (its mode read per call).
	stale := f.cluster(k)
	stale.AuthMode = store.ModeConfigMap
	if d, err := f.az.Decide(f.ctx, stale, RequestOf(spec(root.userInfo(""), getNodes, nil))); err != nil || d.Allowed {
		t.Errorf("CONFIG_MAP cluster value: %+v, %v", d, err)
	}
}

// TestNodeEntries: node-type entries carry no policies; an Auto Mode EC2
// entry's AmazonEKSAutoNodePolicy has unknown rules and grants nothing.
func TestNodeEntries(t *testing.T) {
	f := newFixture(t)
	k := f.newCluster(store.ModeAPI)
	getNodes := &ra{Verb: "list", Version: "v1", Resource: "nodes"}
	for _, typ := range []string{store.EntryEC2Linux, store.EntryEC2Windows, store.EntryFargateLinux, store.EntryHybridLinux, store.EntryHyperPodLinux, store.EntryEC2} {
		t.Run(typ, func(t *testing.T) {
			node := f.role("node-" + strings.ToLower(strings.ReplaceAll(typ, "_", "-")))
			_, err := f.db.CreateAccessEntry(f.ctx, k, store.CreateAccessEntryInput{PrincipalARN: node.ARN, Type: typ})
			f.noErr(err)
			_, err = f.db.AssociateAccessPolicy(f.ctx, k, node.ARN, policyARN0+clusterAdmin, clusterScope)
			if !errors.Is(err, store.ErrInvalidParameter) {
				t.Errorf("associating ClusterAdmin with a %s entry: %v, want InvalidParameter", typ, err)
			}
			if typ == store.EntryEC2 {
				f.associate(k, node, on("AmazonEKSAutoNodePolicy", clusterScope))
			}
			d, err := f.az.Decide(f.ctx, f.cluster(k), RequestOf(spec(node.userInfo("system:node:ip-10-0-0-1.ec2.internal"), getNodes, nil)))
			if err != nil || d.Allowed {
				t.Fatalf("Decide: %+v, %v", d, err)
			}
			if typ != store.EntryEC2 && !strings.Contains(d.Why, "of type "+typ) {
				t.Errorf("Why = %q, want the entry type", d.Why)
			}
		})
	}
}

// TestReassociationReplacesScope is T51, plus the way back and disassociation.
func TestReassociationReplacesScope(t *testing.T) {
	f := newFixture(t)
	k := f.newCluster(store.ModeAPIAndConfigMap)
	dev := f.role("dev")
	e := f.entry(k, dev, "")
	pods := func(ns string) *ra { return &ra{Namespace: ns, Verb: "list", Version: "v1", Resource: "pods"} }
	check := func(step, ns string, wantScope *store.AccessScope) {
		t.Helper()
		st := f.az.ReviewAccess(f.ctx, f.cluster(k), spec(dev.userInfo(""), pods(ns), nil))
		if st.Allowed != (wantScope != nil) {
			t.Fatalf("%s: list pods -n %s allowed = %v, want %v", step, ns, st.Allowed, wantScope != nil)
		}
		if wantScope != nil && st.Reason != wantReason(e, view, *wantScope, ns) {
			t.Errorf("%s: reason %q", step, st.Reason)
		}
	}
	teamB := nsScope("team-b")
	f.associate(k, dev, on(view, clusterScope))
	check("View(cluster)", "team-a", &clusterScope)
	f.associate(k, dev, on(view, teamB))
	check("View re-associated with team-b", "team-a", nil)
	check("View re-associated with team-b", "team-b", &teamB)
	both := nsScope("team-a", "team-b")
	f.associate(k, dev, on(view, both))
	check("View(team-a, team-b)", "team-a", &both)
	f.associate(k, dev, on(view, clusterScope))
	check("View(cluster) again", "team-c", &clusterScope)
	// Union (T36): another policy keeps its own scope; disassociating one leaves the other.
	f.associate(k, dev, on(secretReader, nsScope("team-a")))
	secrets := func(ns string) *ra {
		return &ra{Namespace: ns, Verb: "get", Version: "v1", Resource: "secrets", Name: "db"}
	}
	if st := f.az.ReviewAccess(f.ctx, f.cluster(k), spec(dev.userInfo(""), secrets("team-a"), nil)); !st.Allowed {
		t.Errorf("SecretReader(team-a) get secret: %+v", st)
	}
	if st := f.az.ReviewAccess(f.ctx, f.cluster(k), spec(dev.userInfo(""), secrets("team-b"), nil)); st.Allowed {
		t.Errorf("SecretReader(team-a) + View(cluster) get secret in team-b: %+v", st)
	}
	f.noErr(f.db.DisassociateAccessPolicy(f.ctx, k, dev.ARN, policyARN0+view))
	check("View disassociated", "team-a", nil)
	if st := f.az.ReviewAccess(f.ctx, f.cluster(k), spec(dev.userInfo(""), secrets("team-a"), nil)); !st.Allowed {
		t.Errorf("SecretReader kept after View's disassociation: %+v", st)
	}
	// Deleting the entry deletes its associations.
	f.noErr(f.db.DeleteAccessEntry(f.ctx, k, dev.ARN))
	if d, err := f.az.Decide(f.ctx, f.cluster(k), RequestOf(spec(dev.userInfo(""), secrets("team-a"), nil))); err != nil || d.Allowed {
		t.Errorf("after DeleteAccessEntry: %+v, %v", d, err)
	}
}

// TestAllowReason: the reason text of access-policies.md §3.5 for a role with
// a path and an IAM user, in both scope forms.
func TestAllowReason(t *testing.T) {
	f := newFixture(t)
	k := f.newCluster(store.ModeAPI)
	r, err := f.db.CreateRole(f.ctx, store.RoleInput{Account: testAccount, Name: "sso_admin", Path: "/aws-reserved/sso.amazonaws.com/",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`})
	f.noErr(err)
	sso := principal{ARN: r.ARN, ID: r.ID, Session: "gomyers@paloaltonetworks.com", role: true}
	f.entry(k, sso, "")
	f.associate(k, sso, on(clusterAdmin, clusterScope))
	st := f.az.ReviewAccess(f.ctx, f.cluster(k), spec(sso.userInfo(""), nil, &nra{Path: "/api/v1/namespaces", Verb: "get"}))
	want := `EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/sso_admin+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" to User "` + r.ID + `"`
	if !st.Allowed || st.Reason != want {
		t.Errorf("role with a path:\n  got  %+v\n  want %q", st, want)
	}

	bob := f.user("bob")
	f.entry(k, bob, "")
	f.associate(k, bob, on(edit, nsScope("dev-*")))
	st = f.az.ReviewAccess(f.ctx, f.cluster(k), spec(bob.userInfo(""), &ra{Namespace: "dev-1", Verb: "create", Version: "v1", Resource: "configmaps"}, nil))
	want = `EKS Access Policy: allowed by RoleBinding "arn:aws:iam::111122223333:user/bob+arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy/dev-1" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy" to User "` + bob.ID + `"`
	if !st.Allowed || st.Reason != want {
		t.Errorf("user, namespace scope:\n  got  %+v\n  want %q", st, want)
	}
}

func TestNamespaceMatches(t *testing.T) {
	for _, tc := range []struct {
		pattern, ns string
		want        bool
	}{
		{"team-a", "team-a", true},
		{"team-a", "team-ab", false},
		{"team-a", "team", false},
		{"team-a", "Team-a", false},
		{"dev-*", "dev-1", true},
		{"dev-*", "dev-", true},
		{"dev-*", "dev-a-b", true},
		{"dev-*", "dev", false},
		{"dev-*", "prod-dev-1", false},
		{"dev-*", "devx-1", false},
		{"*", "default", true},
		{"*", "kube-system", true},
		{"d*", "d", true},
		// [unknown] beyond the trailing '*': globs (the store accepts only the
		// trailing form, so these are reachable only here).
		{"*-dev", "team-dev", true},
		{"*-dev", "team-dev-1", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "acb", false},
		{"a*b*c", "axc", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
	} {
		if got := NamespaceMatches(tc.pattern, tc.ns); got != tc.want {
			t.Errorf("NamespaceMatches(%q, %q) = %v, want %v", tc.pattern, tc.ns, got, tc.want)
		}
	}
}

// TestRuleAllows: the matcher's RBAC semantics (access-policies.md §3.2, pitfall 6).
func TestRuleAllows(t *testing.T) {
	rule := func(groups, resources, verbs []string) *rbacv1.PolicyRule {
		return &rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
	}
	core, all := []string{""}, []string{"*"}
	res := func(verb, group, resource, sub, name string) Request {
		return Request{Resource: &ra{Verb: verb, Group: group, Resource: resource, Subresource: sub, Name: name}}
	}
	path := func(verb, p string) Request { return Request{NonResource: &nra{Verb: verb, Path: p}} }
	for _, tc := range []struct {
		name string
		rule *rbacv1.PolicyRule
		req  Request
		want bool
	}{
		{"* resource matches a subresource", rule(all, all, []string{"get"}), res("get", "", "pods", "log", "p"), true},
		{"* group matches core", rule(all, []string{"pods"}, []string{"get"}), res("get", "", "pods", "", ""), true},
		{"resource does not match its subresource", rule(core, []string{"pods"}, []string{"get"}), res("get", "", "pods", "log", "p"), false},
		{"subresource does not match its resource", rule(core, []string{"pods/log"}, []string{"get"}), res("get", "", "pods", "", "p"), false},
		{"*/scale matches any parent", rule(all, []string{"*/scale"}, []string{"update"}), res("update", "apps", "statefulsets", "scale", "s"), true},
		{"*/scale does not match the parent", rule(all, []string{"*/scale"}, []string{"update"}), res("update", "apps", "statefulsets", "", "s"), false},
		{"no pods/* wildcard", rule(core, []string{"pods/*"}, []string{"get"}), res("get", "", "pods", "log", "p"), false},
		{"core must be listed", rule([]string{"apps"}, []string{"pods"}, []string{"get"}), res("get", "", "pods", "", ""), false},
		{"verbs are case-sensitive", rule(core, []string{"pods"}, []string{"GET"}), res("get", "", "pods", "", ""), false},
		{"no short names", rule(core, []string{"po"}, []string{"get"}), res("get", "", "pods", "", ""), false},
		{"* verb", rule(core, []string{"pods"}, all), res("deletecollection", "", "pods", "", ""), true},
		{"resourceNames: named", &rbacv1.PolicyRule{APIGroups: core, Resources: []string{"pods"}, ResourceNames: []string{"web"}, Verbs: all}, res("get", "", "pods", "", "web"), true},
		{"resourceNames: other name", &rbacv1.PolicyRule{APIGroups: core, Resources: []string{"pods"}, ResourceNames: []string{"web"}, Verbs: all}, res("get", "", "pods", "", "db"), false},
		{"resourceNames: nameless", &rbacv1.PolicyRule{APIGroups: core, Resources: []string{"pods"}, ResourceNames: []string{"web"}, Verbs: all}, res("list", "", "pods", "", ""), false},
		{"resource rule vs non-resource request", rule(all, all, all), path("get", "/healthz"), false},
		{"URL rule vs resource request", &rbacv1.PolicyRule{NonResourceURLs: all, Verbs: all}, res("get", "", "pods", "", ""), false},
		{"URL exact", &rbacv1.PolicyRule{NonResourceURLs: []string{"/healthz"}, Verbs: []string{"get"}}, path("get", "/healthz"), true},
		{"URL exact is exact", &rbacv1.PolicyRule{NonResourceURLs: []string{"/healthz"}, Verbs: []string{"get"}}, path("get", "/healthz/"), false},
		{"URL prefix", &rbacv1.PolicyRule{NonResourceURLs: []string{"/api/*"}, Verbs: []string{"get"}}, path("get", "/api/v1"), true},
		{"URL prefix needs the slash", &rbacv1.PolicyRule{NonResourceURLs: []string{"/api/*"}, Verbs: []string{"get"}}, path("get", "/api"), false},
		{"URL verb head", &rbacv1.PolicyRule{NonResourceURLs: all, Verbs: []string{"get"}}, path("head", "/healthz"), false},
	} {
		if got := ruleAllows(tc.req, tc.rule); got != tc.want {
			t.Errorf("%s: ruleAllows = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestEveryPolicyAllowsItsOwnAtoms walks every (group, resource, verb) atom of
// every policy with rules through ReviewAccess at cluster scope (wildcards
// replaced by concrete values): each is allowed, by that policy. And no policy
// but ClusterAdmin allows the escalate verb.
func TestEveryPolicyAllowsItsOwnAtoms(t *testing.T) {
	f := newFixture(t)
	k := f.newCluster(store.ModeAPI)
	cat := loadCatalogue(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range cat {
			if !yield(n) {
				return
			}
		}
	})
	for _, name := range names {
		p := cat[name]
		if len(p.Rules) == 0 {
			continue
		}
		t.Run(name, func(t *testing.T) {
			pr := f.role("r-" + strings.ToLower(name))
			f.entry(k, pr, "")
			f.associate(k, pr, on(name, clusterScope))
			c := f.cluster(k)
			u := pr.userInfo("")
			for a := range atomsOf(p.Rules...) {
				var s authorizationv1.SubjectAccessReviewSpec
				if a.URL != "" {
					path := a.URL
					if prefix, ok := strings.CutSuffix(path, "*"); ok {
						path = prefix + "x"
					}
					verb := a.Verb
					if verb == "*" {
						verb = "get"
					}
					s = spec(u, nil, &nra{Path: path, Verb: verb})
				} else {
					r := &ra{Namespace: "team-a", Verb: a.Verb, Group: a.Group, Resource: a.Resource, Name: a.Name}
					if r.Verb == "*" {
						r.Verb = "escalate"
					}
					if r.Group == "*" {
						r.Group = "example.com"
					}
					switch {
					case r.Resource == "*":
						r.Resource = "widgets"
					case strings.HasPrefix(r.Resource, "*/"):
						r.Resource, r.Subresource = "widgets", strings.TrimPrefix(r.Resource, "*/")
					case strings.Contains(r.Resource, "/"):
						r.Resource, r.Subresource, _ = strings.Cut(r.Resource, "/")
					}
					s = spec(u, r, nil)
				}
				st := f.az.ReviewAccess(f.ctx, c, s)
				if !st.Allowed || !strings.Contains(st.Reason, `ClusterRole "`+policyARN0+name+`"`) {
					t.Errorf("%s: atom %s not allowed: %+v", name, a, st)
				}
			}
			// A verb no policy has is never allowed for resources (ClusterAdmin's * aside).
			if name != clusterAdmin {
				st := f.az.ReviewAccess(f.ctx, c, spec(u, &ra{Namespace: "team-a", Verb: "escalate", Group: "rbac.authorization.k8s.io", Resource: "roles"}, nil))
				if st.Allowed {
					t.Errorf("%s allows escalate roles", name)
				}
			}
		})
	}
}

// TestStoreFailure: when the store fails, the webhook answers no opinion (and
// logs), never an allow.
func TestStoreFailure(t *testing.T) {
	f := newFixture(t)
	k := f.newCluster(store.ModeAPI)
	dev := f.role("dev")
	f.entry(k, dev, "")
	f.associate(k, dev, on(clusterAdmin, clusterScope))
	c := f.cluster(k)
	s := spec(dev.userInfo(""), &ra{Verb: "list", Version: "v1", Resource: "nodes"}, nil)
	if st := f.az.ReviewAccess(f.ctx, c, s); !st.Allowed {
		t.Fatalf("before: %+v", st)
	}
	f.noErr(f.db.Close())
	if _, err := f.az.Decide(f.ctx, c, RequestOf(s)); err == nil {
		t.Errorf("Decide on a closed store: no error")
	}
	if st := f.az.ReviewAccess(f.ctx, c, s); st.Allowed || st.Denied || st.Reason != "" {
		t.Errorf("ReviewAccess on a closed store: %+v, want no opinion", st)
	}
}

func TestCatalogueAccessor(t *testing.T) {
	az := newFixture(t).az
	if p, ok := az.Catalogue(view); !ok || p.Name != view || len(p.Rules) != 10 {
		t.Errorf("Catalogue(%s) = %+v, %v", view, p, ok)
	}
	if _, ok := az.Catalogue("AmazonEKSNoSuchPolicy"); ok {
		t.Errorf("Catalogue of an unknown name found")
	}
}
