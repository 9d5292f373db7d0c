// Package emulator composes eksemu's surfaces into one http.Handler on one
// listener and owns their lifecycle.
//
// AWS requests are routed by the service of their SigV4 credential scope
// (…/eks/aws4_request → eksapi, sts → stsapi, iam → iamapi); emulator-only
// endpoints live under /_eksemu/ (health, and later reset, explain, matrix).
package emulator
