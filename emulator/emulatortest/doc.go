// Package emulatortest starts an in-process eksemu for Go tests: a free port, a
// temporary data directory, ready aws-sdk-go-v2 EKS, STS and IAM clients, and
// cleanup through t.Cleanup. Emulators are independent, so tests using them may
// run in parallel.
package emulatortest
