package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "cluster-apiserver":
			return runClusterAPIServer(args[1:])
		case "fixtures":
			return runFixtures(args[1:])
		case "health":
			return runHealth(args[1:])
		}
	}
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	cfg, err := config.Load(args, os.Getenv)
	var help config.ErrHelp
	if errors.As(err, &help) {
		fmt.Print(help.Usage)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "eksemu:", err)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "eksemu:", err)
		return 1
	}
	cfg.KubeCommand = []string{self, "cluster-apiserver"}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := emulator.Run(ctx, cfg, logger); err != nil {
		logger.Error("eksemu failed", "error", err)
		return 1
	}
	return 0
}
