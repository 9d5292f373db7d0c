// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in both
// forms clients use: the Authorization header and presigned query strings
// (X-Amz-Algorithm, X-Amz-Credential, …, X-Amz-Signature).
//
// It does not re-implement the algorithm: it rebuilds the request with exactly
// the headers the client signed and signs it again with aws-sdk-go-v2's
// aws/signer/v4, then compares signatures in constant time. The credential
// scope (…/REGION/SERVICE/aws4_request) is also what eksemu uses to pick the
// service a request is for. References: IAM User Guide "Create a signed AWS API
// request"; ../shared/reference/authenticator.md §6.
package sigv4
