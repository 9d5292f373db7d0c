# eksemu — see README.md.
GO ?= go

.PHONY: run test test-short bench verify build

build:
	$(GO) build -o bin/eksemu ./cmd/eksemu

run:
	$(GO) run ./cmd/eksemu

# The whole suite: unit, SDK, golden and real-CLI tests.
test:
	$(GO) test -count=1 -timeout 60m ./...

test-short:
	$(GO) test -short ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

verify:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...
	$(GO) mod tidy -diff
