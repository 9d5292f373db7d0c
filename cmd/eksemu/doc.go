// Command eksemu runs the EKS access-control emulator.
//
//	eksemu [serve] [flags]      run the emulator (flags: eksemu -h)
package main
