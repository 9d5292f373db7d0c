// Package authn authenticates AWS principals for eksemu.
//
// It has two entry points that share one core (key lookup in the store, session
// token and expiry checks, SigV4 recomputed with aws-sdk-go-v2's signer):
//
//   - AWSRequest authenticates a SigV4-signed request to the AWS APIs
//     (EKS, STS, IAM) and returns the caller.
//   - Token verification of `k8s-aws-v1.` bearer tokens for the Kubernetes
//     side (../shared/reference/authenticator.md §2, §6, §9), followed by identity
//     mapping per the cluster's authentication mode (access entries, aws-auth).
//
// Failures are typed (*Failure with a Reason) so each wire dialect can name them
// its own way; the texts are AWS's.
package authn
