package authz

import (
	"context"
	"log/slog"

	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/eksemu/eksemu/store"
)

// Authorizer decides SubjectAccessReviews for access policies.
type Authorizer struct {
	db     *store.DB
	logger *slog.Logger
}

// New returns the access-policy authorizer.
func New(db *store.DB, logger *slog.Logger) *Authorizer {
	return &Authorizer{db: db, logger: logger}
}

// ReviewAccess has no opinion yet: access-policy decisions arrive with the
// access-policy catalogue's rules.
func (a *Authorizer) ReviewAccess(_ context.Context, _ store.Cluster, _ authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus {
	return authorizationv1.SubjectAccessReviewStatus{}
}
