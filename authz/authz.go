package authz

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1helpers "k8s.io/kubernetes/pkg/apis/rbac/v1"

	"github.com/eksemu/eksemu/store"
)

// Extra keys aws-iam-authenticator sets; either carries the IAM principal ID.
const (
	ExtraPrincipalID        = "principalId"
	ExtraAuthenticatorPrinc = "sigs.k8s.io/aws-iam-authenticator/principalId"
)

// Authorizer decides SubjectAccessReviews for EKS access policies.
type Authorizer struct {
	db        *store.DB
	logger    *slog.Logger
	catalogue map[string]Policy
}

// New returns the access-policy authorizer.
func New(db *store.DB, logger *slog.Logger) (*Authorizer, error) {
	cat, err := LoadCatalogue()
	if err != nil {
		return nil, err
	}
	return &Authorizer{db: db, logger: logger, catalogue: cat}, nil
}

// Catalogue returns the policy with the given name.
func (a *Authorizer) Catalogue(name string) (Policy, bool) {
	p, ok := a.catalogue[name]
	return p, ok
}

// Decision is the access-policy authorizer's answer. It only ever allows or
// has no opinion: EKS never denies from access policies (access-policies.md §3.4).
type Decision struct {
	Allowed bool
	// Reason is the audit reason of an allow, as EKS writes it.
	Reason string
	// PolicyARN and Scope name the association that allowed.
	PolicyARN string
	Scope     store.AccessScope
	// Approximate is set when the allowing policy's rules are an approximation.
	Approximate bool
	// Why explains a no-opinion (for the explain view; never sent to Kubernetes).
	Why string
}

// Request is what is being authorized, taken from a SubjectAccessReview.
type Request struct {
	PrincipalID string
	Resource    *authorizationv1.ResourceAttributes
	NonResource *authorizationv1.NonResourceAttributes
}

// RequestOf extracts the principal ID and attributes of a SubjectAccessReview.
// Impersonated users carry no principal ID, so they get no policies.
func RequestOf(spec authorizationv1.SubjectAccessReviewSpec) Request {
	r := Request{Resource: spec.ResourceAttributes, NonResource: spec.NonResourceAttributes}
	for _, key := range []string{ExtraPrincipalID, ExtraAuthenticatorPrinc} {
		if v := spec.Extra[key]; len(v) == 1 && v[0] != "" {
			r.PrincipalID = v[0]
			break
		}
	}
	return r
}

// ReviewAccess answers the cluster's SubjectAccessReview webhook call.
func (a *Authorizer) ReviewAccess(ctx context.Context, c store.Cluster, spec authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus {
	d, err := a.Decide(ctx, c, RequestOf(spec))
	if err != nil {
		a.logger.Error("access-policy decision failed", "cluster", c.Name, "user", spec.User, "error", err)
		return authorizationv1.SubjectAccessReviewStatus{}
	}
	return authorizationv1.SubjectAccessReviewStatus{Allowed: d.Allowed, Reason: d.Reason}
}

// Decide looks up the access entry bound to the request's principal ID and
// allows when one of its associated policies, within its scope, has a rule that
// matches (RBAC matching semantics, the upstream matchers).
func (a *Authorizer) Decide(ctx context.Context, c store.Cluster, r Request) (Decision, error) {
	switch {
	case c.AuthMode == store.ModeConfigMap:
		return Decision{Why: "the cluster's authentication mode is CONFIG_MAP: access policies do not apply"}, nil
	case r.PrincipalID == "":
		return Decision{Why: "the request carries no IAM principal ID (impersonated or not an IAM principal)"}, nil
	case r.Resource == nil && r.NonResource == nil:
		return Decision{Why: "empty SubjectAccessReview"}, nil
	}
	entry, assocs, err := a.db.AccessPoliciesForPrincipal(ctx, c.ClusterKey, r.PrincipalID)
	if errors.Is(err, store.ErrNotFound) {
		return Decision{Why: fmt.Sprintf("principal %s has no access entry", r.PrincipalID)}, nil
	}
	if err != nil {
		return Decision{}, err
	}
	if entry.Type != store.EntryStandard && entry.Type != store.EntryEC2 {
		return Decision{Why: fmt.Sprintf("access entry %s is of type %s, which carries no access policies", entry.PrincipalARN, entry.Type)}, nil
	}
	ns := ""
	if r.Resource != nil {
		ns = r.Resource.Namespace
	}
	// Like upstream RBAC's VisitRulesFor, cluster-scoped associations (the
	// virtual ClusterRoleBindings) are visited before namespace-scoped ones
	// (RoleBindings), so that an allow both grant is reported as the former.
	slices.SortStableFunc(assocs, func(x, y store.AssociatedPolicy) int {
		return cmp.Compare(scopeRank(x.Scope), scopeRank(y.Scope))
	})
	for _, as := range assocs {
		name := strings.TrimPrefix(as.PolicyARN, a.db.PolicyARN(""))
		p, ok := a.catalogue[name]
		if !ok || !scopeCovers(as.Scope, ns) {
			continue
		}
		for i := range p.Rules {
			if ruleAllows(r, &p.Rules[i]) {
				return Decision{Allowed: true, PolicyARN: as.PolicyARN, Scope: as.Scope, Approximate: p.Approximate(),
					Reason: allowReason(entry, as, ns)}, nil
			}
		}
	}
	return Decision{Why: fmt.Sprintf("no policy associated with %s allows the request in its scope", entry.PrincipalARN)}, nil
}

// allowReason is EKS's audit reason (access-policies.md §3.5): the upstream RBAC
// wording over a virtual binding named <principalArn>+<policyArn>.
func allowReason(e store.AccessEntry, as store.AssociatedPolicy, ns string) string {
	binding := e.PrincipalARN + "+" + as.PolicyARN
	if as.Scope.Type == store.ScopeNamespace {
		return fmt.Sprintf("EKS Access Policy: allowed by RoleBinding %q of ClusterRole %q to User %q", binding+"/"+ns, as.PolicyARN, e.PrincipalID)
	}
	return fmt.Sprintf("EKS Access Policy: allowed by ClusterRoleBinding %q of ClusterRole %q to User %q", binding, as.PolicyARN, e.PrincipalID)
}

func scopeRank(s store.AccessScope) int {
	if s.Type == store.ScopeCluster {
		return 0
	}
	return 1
}

// scopeCovers: cluster scope covers everything; namespace scope only requests
// whose namespace attribute is non-empty and matches a pattern.
func scopeCovers(s store.AccessScope, ns string) bool {
	if s.Type == store.ScopeCluster {
		return true
	}
	if ns == "" {
		return false
	}
	for _, pattern := range s.Namespaces {
		if NamespaceMatches(pattern, ns) {
			return true
		}
	}
	return false
}

// NamespaceMatches applies an access-scope namespace pattern: a trailing '*' is
// a prefix match ("dev-*"), a lone '*' matches every namespace, and any other
// '*' is a glob [unknown: EKS documents only the "dev-*" form].
func NamespaceMatches(pattern, ns string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == ns
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(ns, parts[0]) {
		return false
	}
	rest := ns[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(rest, part)
		}
		j := strings.Index(rest, part)
		if j < 0 {
			return false
		}
		rest = rest[j+len(part):]
	}
	return true
}

// ruleAllows is upstream RBAC's RuleAllows (plugin/pkg/auth/authorizer/rbac)
// over SubjectAccessReview attributes, built from the same helpers.
func ruleAllows(r Request, rule *rbacv1.PolicyRule) bool {
	if r.Resource != nil {
		a := r.Resource
		combined := a.Resource
		if a.Subresource != "" {
			combined += "/" + a.Subresource
		}
		return rbacv1helpers.VerbMatches(rule, a.Verb) &&
			rbacv1helpers.APIGroupMatches(rule, a.Group) &&
			rbacv1helpers.ResourceMatches(rule, combined, a.Subresource) &&
			rbacv1helpers.ResourceNameMatches(rule, a.Name)
	}
	return rbacv1helpers.VerbMatches(rule, r.NonResource.Verb) &&
		rbacv1helpers.NonResourceURLMatches(rule, r.NonResource.Path)
}
