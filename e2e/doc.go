// Package e2e drives the real AWS command-line clients against an in-process
// eksemu and asserts what they print: the pip-installed CLI v1 found on PATH as
// "aws" and Debian's CLI v2 at /usr/bin/aws, which is taught the EKS
// access-entry model with "aws configure add-model" from testdata/awsmodels
// (eks-api.md §7).
//
// Every command runs with a hermetic environment (a fresh HOME and AWS config
// files, explicit credentials, region and endpoint), so nothing on the machine
// leaks in. A missing CLI skips the tests on a laptop and fails them when the
// environment variable CI is set.
//
// The package has no non-test code.
package e2e
