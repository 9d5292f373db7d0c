// Package awsid generates and parses AWS identifiers: IAM unique IDs (AIDA…, AROA…),
// access key IDs (AKIA…, ASIA…), secrets, session tokens, request and resource UUIDs,
// and the ARNs of IAM principals and STS sessions.
//
// Identifier shapes follow the IAM User Guide "IAM identifiers" page; ARN forms
// and canonicalization follow aws-iam-authenticator's pkg/arn (see
// ../shared/reference/authenticator.md §3.1). ARN parsing is delegated to
// github.com/aws/aws-sdk-go-v2/aws/arn.
package awsid
