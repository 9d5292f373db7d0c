// Command kube measures eksemu's Kubernetes side and prints the figures:
// CreateCluster → ACTIVE, RSS per cluster process, and request latency to a
// cluster's API server with an EKS token (TokenReview webhook, and
// SubjectAccessReview webhook for an access-policy user) versus a static
// credential (the admin client certificate, no webhook), through client-go and
// through kubectl.
//
//	go build -o bin/eksemu ./cmd/eksemu && go run ./bench/kube -bin bin/eksemu
package main
