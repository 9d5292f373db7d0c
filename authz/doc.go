// Package authz is EKS's access-policy authorizer: the SubjectAccessReview
// webhook each cluster's kube-apiserver consults after RBAC. It decides by the
// IAM principal ID in the user's extras over the access policies associated
// with that principal's access entry and their scopes
// (../shared/reference/access-policies.md).
package authz
