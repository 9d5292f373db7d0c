package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// accessPolicyNames is the catalogue ListAccessPolicies returns, in byte order of
// the name (eks-api.md §4: the 33 policies of the most recent real listing).
// The rules behind each live in package authz.
var accessPolicyNames = []string{
	"AIDevOpsAgentAccessPolicy",
	"AmazonAIOpsAssistantPolicy",
	"AmazonARCRegionSwitchScalingPolicy",
	"AmazonEKSACKPolicy",
	"AmazonEKSAdminPolicy",
	"AmazonEKSAdminViewPolicy",
	"AmazonEKSArgoCDClusterPolicy",
	"AmazonEKSArgoCDPolicy",
	"AmazonEKSAutoNodePolicy",
	"AmazonEKSBlockStorageClusterPolicy",
	"AmazonEKSBlockStoragePolicy",
	"AmazonEKSClusterAdminPolicy",
	"AmazonEKSComputeClusterPolicy",
	"AmazonEKSComputePolicy",
	"AmazonEKSEditPolicy",
	"AmazonEKSEventPolicy",
	"AmazonEKSHybridPolicy",
	"AmazonEKSKROPolicy",
	"AmazonEKSLoadBalancingClusterPolicy",
	"AmazonEKSLoadBalancingPolicy",
	"AmazonEKSNetworkingClusterPolicy",
	"AmazonEKSNetworkingPolicy",
	"AmazonEKSPodIdentityPolicy",
	"AmazonEKSSecretAdminPolicy",
	"AmazonEKSSecretReaderPolicy",
	"AmazonEKSViewPolicy",
	"AmazonEMRJobPolicy",
	"AmazonSagemakerHyperpodClusterPolicy",
	"AmazonSagemakerHyperpodControllerPolicy",
	"AmazonSagemakerHyperpodSpacePolicy",
	"AmazonSagemakerHyperpodSpaceTemplatePolicy",
	"AmazonSagemakerHyperpodSystemNamespacePolicy",
	"AmazonSagemakerHyperpodUserClusterPolicy",
}

// AccessPolicy is one entry of the catalogue.
type AccessPolicy struct {
	Name string
	ARN  string
}

// AccessPolicyNames returns the catalogue's names in ListAccessPolicies order.
func AccessPolicyNames() []string { return slices.Clone(accessPolicyNames) }

// ListAccessPolicies pages through the catalogue.
func (db *DB) ListAccessPolicies(p Page) ([]AccessPolicy, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var out []AccessPolicy
	for _, n := range accessPolicyNames {
		if n > after {
			out = append(out, AccessPolicy{Name: n, ARN: db.PolicyARN(n)})
		}
	}
	out, next := pageOf(out, p.limit(), func(a AccessPolicy) string { return a.Name })
	return out, next, nil
}

// PolicyName returns the catalogue name of an access-policy ARN of this
// partition, or "" when the ARN names no policy of the catalogue.
func (db *DB) PolicyName(policyARN string) string {
	name, ok := strings.CutPrefix(policyARN, db.PolicyARN(""))
	if !ok || !slices.Contains(accessPolicyNames, name) {
		return ""
	}
	return name
}

// Access scope types.
const (
	ScopeCluster   = "cluster"
	ScopeNamespace = "namespace"
)

// AccessScope is where an associated policy applies.
type AccessScope struct {
	Type       string
	Namespaces []string
}

// AssociatedPolicy is an access policy associated with an entry.
type AssociatedPolicy struct {
	PolicyARN    string
	Scope        AccessScope
	AssociatedAt time.Time
	ModifiedAt   time.Time
}

// namespacePattern is a DNS-1123 label, optionally ending in the '*' wildcard EKS
// accepts for prefixes (eks-api.md §5.7).
var namespacePattern = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?|[a-z0-9][-a-z0-9]*\*|\*)$`)

// checkScope validates an access scope. [unknown] texts: EKS's wording for these
// cases was not found; these follow its style.
func checkScope(cluster string, s AccessScope) error {
	switch s.Type {
	case ScopeCluster:
		if len(s.Namespaces) > 0 {
			return clusterErr(KindInvalidParameter, cluster, "Namespaces can only be specified for an access scope of type namespace")
		}
	case ScopeNamespace:
		if len(s.Namespaces) == 0 {
			return clusterErr(KindInvalidParameter, cluster, "At least one namespace must be specified for an access scope of type namespace")
		}
		for _, ns := range s.Namespaces {
			if len(ns) > 63 || !namespacePattern.MatchString(ns) {
				return clusterErr(KindInvalidParameter, cluster, "The namespace %s is not a valid Kubernetes namespace name", ns)
			}
		}
	default:
		return clusterErr(KindInvalidParameter, cluster, "The access scope type must be one of [cluster, namespace]")
	}
	return nil
}

func (db *DB) checkPolicyARN(cluster, policyARN string) error {
	if _, err := arn.Parse(policyARN); err != nil {
		return clusterErr(KindInvalidParameter, cluster, "The policyArn parameter format is not valid")
	}
	if db.PolicyName(policyARN) == "" {
		// [unknown] text for a well-formed ARN that names no access policy.
		return clusterErr(KindInvalidParameter, cluster, "The specified policyArn %s is not a valid access policy", policyARN)
	}
	return nil
}

// policyAllowedOn reports whether a policy can be associated with an entry type:
// STANDARD entries take any policy; EC2 (Auto Mode) entries AmazonEKSAutoNodePolicy.
func (db *DB) policyAllowedOn(typ, policyARN string) bool {
	return typ == EntryStandard || typ == EntryEC2 && db.PolicyName(policyARN) == "AmazonEKSAutoNodePolicy"
}

// AssociateAccessPolicy associates a policy with an entry, or replaces the scope
// of an existing association (keeping associatedAt, bumping modifiedAt).
func (db *DB) AssociateAccessPolicy(ctx context.Context, k ClusterKey, principalARN, policyARN string, scope AccessScope) (a AssociatedPolicy, err error) {
	if scope.Namespaces == nil {
		scope.Namespaces = []string{}
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		r, err := db.gatedEntry(ctx, tx, k, principalARN)
		if err != nil {
			return err
		}
		if err := db.checkPolicyARN(k.Name, policyARN); err != nil {
			return err
		}
		if !db.policyAllowedOn(r.Type, policyARN) {
			return notStandard(k.Name)
		}
		if err := checkScope(k.Name, scope); err != nil {
			return err
		}
		now := db.now().Truncate(time.Millisecond)
		a = AssociatedPolicy{PolicyARN: policyARN, Scope: scope, AssociatedAt: now, ModifiedAt: now}
		var assoc int64
		err = tx.QueryRowContext(ctx, `SELECT associated_at FROM access_policy_associations WHERE entry_id = ? AND policy_arn = ?`, r.id, policyARN).Scan(&assoc)
		switch {
		case err == nil:
			a.AssociatedAt = fromMS(assoc)
			_, err = tx.ExecContext(ctx, `UPDATE access_policy_associations SET scope_type = ?, namespaces = ?, modified_at = ? WHERE entry_id = ? AND policy_arn = ?`,
				scope.Type, toJSON(scope.Namespaces), ms(now), r.id, policyARN)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO access_policy_associations (entry_id, policy_arn, scope_type, namespaces, associated_at, modified_at) VALUES (?, ?, ?, ?, ?, ?)`,
				r.id, policyARN, scope.Type, toJSON(scope.Namespaces), ms(now), ms(now))
		}
		return err
	})
	return a, err
}

func scanAssociations(rows *sql.Rows) ([]AssociatedPolicy, error) {
	defer rows.Close()
	var out []AssociatedPolicy
	for rows.Next() {
		var a AssociatedPolicy
		var ns string
		var assoc, mod int64
		if err := rows.Scan(&a.PolicyARN, &a.Scope.Type, &ns, &assoc, &mod); err != nil {
			return nil, err
		}
		a.Scope.Namespaces = jsonStrings(ns)
		a.AssociatedAt, a.ModifiedAt = fromMS(assoc), fromMS(mod)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ListAssociatedAccessPolicies pages through an entry's associations in policy ARN order.
func (db *DB) ListAssociatedAccessPolicies(ctx context.Context, k ClusterKey, principalARN string, p Page) (out []AssociatedPolicy, next string, err error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		r, err := db.gatedEntry(ctx, tx, k, principalARN)
		if err != nil {
			return err
		}
		if r.Type != EntryStandard && r.Type != EntryEC2 {
			return notStandard(k.Name) // real: aws-controllers-k8s/community #2144
		}
		rows, err := tx.QueryContext(ctx, `SELECT policy_arn, scope_type, namespaces, associated_at, modified_at FROM access_policy_associations
			WHERE entry_id = ? AND policy_arn > ? ORDER BY policy_arn LIMIT ?`, r.id, after, p.limit()+1)
		if err != nil {
			return err
		}
		out, err = scanAssociations(rows)
		return err
	})
	out, next = pageOf(out, p.limit(), func(a AssociatedPolicy) string { return a.PolicyARN })
	if out == nil {
		out = []AssociatedPolicy{}
	}
	return out, next, err
}

// DisassociateAccessPolicy removes an association.
func (db *DB) DisassociateAccessPolicy(ctx context.Context, k ClusterKey, principalARN, policyARN string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := db.gatedEntry(ctx, tx, k, principalARN)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM access_policy_associations WHERE entry_id = ? AND policy_arn = ?`, r.id, policyARN)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// [unknown] text; modelled on the entry-not-found message.
			return clusterErr(KindNotFound, k.Name, "The specified policyArn could not be found. You can view your associated access policies with 'list-associated-access-policies'.")
		}
		return nil
	})
}

// AccessPoliciesForPrincipal returns the access entry bound to an IAM principal
// ID in a cluster and its associated policies, in one snapshot (the
// SubjectAccessReview path). KindNotFound when the principal has no entry.
func (db *DB) AccessPoliciesForPrincipal(ctx context.Context, k ClusterKey, principalID string) (e AccessEntry, policies []AssociatedPolicy, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		cid, err := clusterID(ctx, tx, k)
		if err != nil {
			return err
		}
		var id int64
		var groups string
		var created, modified int64
		err = tx.QueryRowContext(ctx, `SELECT id, principal_arn, principal_id, type, username, groups, arn, created_at, modified_at`+entryByPrincipalID, cid, principalID).
			Scan(&id, &e.PrincipalARN, &e.PrincipalID, &e.Type, &e.Username, &groups, &e.ARN, &created, &modified)
		if errors.Is(err, sql.ErrNoRows) {
			return entryNotFound(k.Name)
		}
		if err != nil {
			return err
		}
		e.Cluster, e.KubernetesGroups = k.Name, jsonStrings(groups)
		e.CreatedAt, e.ModifiedAt = fromMS(created), fromMS(modified)
		rows, err := tx.QueryContext(ctx, `SELECT policy_arn, scope_type, namespaces, associated_at, modified_at FROM access_policy_associations
			WHERE entry_id = ? ORDER BY policy_arn`, id)
		if err != nil {
			return err
		}
		policies, err = scanAssociations(rows)
		return err
	})
	return e, policies, err
}
