package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator"
	"github.com/eksemu/eksemu/fixtures"
)

// runFixtures is `eksemu fixtures validate FILE…`: parse and dry-run each file
// without starting anything.
func runFixtures(args []string) int {
	if len(args) < 2 || args[0] != "validate" {
		fmt.Fprintln(os.Stderr, "usage: eksemu fixtures validate FILE...")
		return 2
	}
	// The account and root credentials a fixture is loaded next to.
	cfg, err := config.Load(nil, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "eksemu:", err)
		return 2
	}
	status := 0
	for _, path := range args[1:] {
		f, err := fixtures.Load(path)
		if err == nil {
			err = emulator.Validate(context.Background(), f, cfg)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		fmt.Printf("%s: ok (%s)\n", path, f.Summary())
	}
	return status
}

// runHealth is `eksemu health [URL]`: exit 0 when the emulator answers ready
// (the container healthcheck; the image has no curl).
func runHealth(args []string) int {
	addr := config.DefaultListen
	if v := os.Getenv("EKSEMU_LISTEN"); v != "" {
		addr = v
	}
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
		addr = net.JoinHostPort("127.0.0.1", port) // a wildcard listener is reached on loopback
	}
	url := "http://" + addr + "/_eksemu/health"
	if len(args) > 0 {
		url = args[0]
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "eksemu health:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "eksemu health:", resp.Status)
		return 1
	}
	fmt.Println("ok")
	return 0
}
