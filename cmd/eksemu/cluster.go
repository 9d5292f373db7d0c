package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/eksemu/eksemu/emulator/kube/kubeserver"
)

// runClusterAPIServer is the internal `eksemu cluster-apiserver` subcommand: one
// cluster's kine + kube-apiserver, started by the emulator. It stops on SIGTERM
// and when its standard input (a pipe from the emulator) closes, so it never
// outlives its parent.
func runClusterAPIServer(args []string) int {
	var o kubeserver.Options
	fs := flag.NewFlagSet("cluster-apiserver", flag.ContinueOnError)
	fs.StringVar(&o.Dir, "dir", "", "cluster directory")
	fs.StringVar(&o.BindAddress, "bind-address", "127.0.0.1", "listen address")
	fs.IntVar(&o.Port, "port", 0, "secure port")
	fs.StringVar(&o.EmulatedVersion, "emulated-version", "", "Kubernetes minor to emulate")
	fs.StringVar(&o.GitVersion, "git-version", "", "version reported at /version")
	fs.StringVar(&o.Issuer, "issuer", "", "service-account issuer")
	fs.StringVar(&o.ServiceCIDR, "service-cidr", "10.100.0.0/16", "service cluster IP range")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.Dir == "" || o.Port == 0 {
		fmt.Fprintln(os.Stderr, "eksemu cluster-apiserver: --dir and --port are required")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := kubeserver.Run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "eksemu cluster-apiserver:", err)
		return 1
	}
	return 0
}
