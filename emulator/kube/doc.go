// Package kube runs each ACTIVE cluster's Kubernetes API: one child process per
// cluster (`eksemu cluster-apiserver`, package kubeserver) with the real
// kube-apiserver on kine/SQLite in the cluster's directory.
//
// The parent side here prepares that directory — the cluster CA (kept across
// restarts, so kubeconfigs stay valid), serving and admin certificates, the
// service-account key, and the kubeconfigs of the token-review and
// subject-access-review webhooks — supervises the processes (readiness,
// CREATING → ACTIVE, restart on the same port, stop and removal on delete),
// and serves the two webhooks on a loopback HTTPS listener. It also gives the
// emulator a privileged loopback client (system:masters by client certificate)
// to read aws-auth and apply manifests.
//
// Cluster directory: ca.crt ca.key apiserver.crt apiserver.key admin.crt
// admin.key sa.key sa.pub authn-webhook.kubeconfig authz-webhook.kubeconfig
// authz-config.yaml state.db apiserver.log.
package kube
