# contaudit: build, test, demo and benchmark entry points. Everything runs as
# root on a stock kernel; `make test` is what CI runs.
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN := bin/contaudit

.PHONY: all setup build test vet lint fuzz demo bench clean

all: build

setup:
	./scripts/setup.sh

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/contaudit

# The tests touch the shared kernel: kernel tests serialise themselves with a
# lock (internal/kerneltest) and restore audit state when they end.
test: setup build lint
	$(GO) test -count=1 -timeout 30m ./...

vet:
	$(GO) vet ./...

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	staticcheck ./...

# Short coverage-guided runs of every fuzz target.
fuzz:
	./scripts/fuzz.sh 20s

demo: setup build
	./scripts/demo.sh

bench: setup build
	./bench/execstorm.sh

clean:
	rm -rf bin
