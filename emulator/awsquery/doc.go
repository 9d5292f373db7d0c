// Package awsquery is the AWS Query protocol (awsQuery) as STS and IAM speak it:
// form-encoded requests dispatched on Action, XML responses wrapped in
// <ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>, and the XML
// <ErrorResponse> (or its JSON twin when the client asks for application/json,
// as aws-iam-authenticator does). See authenticator.md §5.
package awsquery
