# Passerelle: build, run and test.
#
#   make run    start the gateway on :8080 (embedded cache; with no OPENAI_API_KEY
#               it translates with the local Apertium engine, installed and
#               started on loopback when needed)
#   make test   vet and race-test everything against a real Redis and a real
#               Apertium, started on free loopback ports when missing and
#               stopped afterwards
#   make eval CORPUS=../shared/corpus   summary quality against LEAD (ROUGE)

GO            ?= go
BIN           := bin/passerelle
APERTIUM_PORT ?= 2737
# The Dockerfile's build stage runs `make build`: these flags are the image's.
BUILD_FLAGS   := -trimpath -ldflags='-s -w'

.PHONY: all build run test vet fmt-check eval clean

all: build

build:
	CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o $(BIN) ./cmd/passerelle

run: build
	@if [ -z "$$OPENAI_API_KEY" ] && [ -z "$$APERTIUM_URL" ]; then \
		scripts/apertium.sh serve $(APERTIUM_PORT) || exit 1; \
	fi
	./$(BIN)

test:
	scripts/test.sh

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

eval:
	@if [ -z "$(CORPUS)" ]; then echo "usage: make eval CORPUS=path/to/corpus"; exit 2; fi
	$(GO) run ./cmd/evalsum -corpus $(CORPUS)

clean:
	rm -rf bin
