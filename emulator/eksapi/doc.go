// Package eksapi is eksemu's Amazon EKS surface: the restJson1 API (version
// 2017-11-01) for clusters, cluster updates with the one-way authentication-mode
// ladder, access entries, access-policy associations, the access-policy
// catalogue and tags.
//
// Requests are validated against the botocore model (model.json, trimmed from
// ../shared/models/eks); wire shapes, status codes and error texts follow
// ../shared/reference/eks-api.md. Path labels arrive percent-encoded
// (principalArn, policyArn, resourceArn), so routing uses gorilla/mux on the
// encoded path and unescapes labels explicitly.
package eksapi
