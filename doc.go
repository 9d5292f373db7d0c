// Package eksemu is the root of eksemu, a local emulator of Amazon EKS cluster
// access control (see README.md). It holds no code, only repository-wide tests:
// the package layering rules, the doc.go rule, and the docker compose file's
// agreement with the binary's flags.
package eksemu
