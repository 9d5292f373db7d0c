# eksemu — see README.md.
GO ?= go

.PHONY: run test test-short bench verify build

build:
	$(GO) build -o bin/eksemu ./cmd/eksemu

run:
	$(GO) run ./cmd/eksemu

# The whole suite: unit, SDK, golden and real-CLI tests. The eksemu binary is
# built once; tests start cluster API servers as its child processes.
test:
	$(GO) build -o bin/eksemu ./cmd/eksemu
	EKSEMU_BIN=$(CURDIR)/bin/eksemu $(GO) test -count=1 -timeout 80m ./...

# Unit and SDK tests only: no cluster API servers, no CLIs.
test-short:
	$(GO) test -short ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

verify:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	$(GO) mod tidy -diff
