// Package kubeserver is the child-process side of a cluster: it runs kine (the
// etcd API on SQLite, github.com/k3s-io/kine) and the real kube-apiserver from
// k8s.io/kubernetes in one process, plus the few controllers ordinary kubectl
// use needs — service accounts in new namespaces, namespace deletion, garbage
// collection and the kube-root-ca.crt publisher. Pods are stored, never scheduled.
//
// The parent (package kube) prepares the cluster directory (certificates,
// webhook kubeconfigs, the authorization configuration) and starts
// `eksemu cluster-apiserver --dir DIR …`; see
// ../shared/reference/kube-apiserver-embedding.md for the facts this follows.
// The process exits when its context ends or when its standard input closes,
// so a cluster never outlives the emulator that started it.
package kubeserver
