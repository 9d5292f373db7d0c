// Command eksemu runs the EKS access-control emulator.
//
//	eksemu [serve] [flags]             run the emulator (flags: eksemu -h)
//	eksemu fixtures validate FILE...   check fixture files without starting anything
//	eksemu health [URL]                exit 0 when a running emulator is ready
//	eksemu cluster-apiserver …         internal: one cluster's kube-apiserver
package main
