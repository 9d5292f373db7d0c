// Package iamapi is eksemu's IAM surface (Query protocol, version 2010-05-08):
// the subset needed to create principals for EKS access control — users, their
// access keys, and roles with trust policies (DESIGN.md §2).
package iamapi
