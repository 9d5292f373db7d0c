// Package statedump renders the observable state of a running eksemu — IAM,
// EKS and the Kubernetes objects of its clusters — as deterministic text, so
// that tests can assert that two states are identical (a reset after
// mutations against a fresh load, a rejected fixture against the state before
// it). Only timestamps, and the uid and resourceVersion Kubernetes draws for
// every object and write, are left out.
package statedump
