// Package stsapi is eksemu's AWS STS surface (Query protocol, version
// 2011-06-15): GetCallerIdentity, AssumeRole with trust-policy evaluation, and
// GetSessionToken. Wire shapes: ../shared/models/sts and authenticator.md §5.
package stsapi
