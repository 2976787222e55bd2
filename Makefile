# Passerelle: build, run and test.
#
#   make run    start the gateway on :8080 (embedded cache; with no OPENAI_API_KEY
#               it translates with the local Apertium engine, installed and
#               started on loopback when needed)
#   make test   vet and race-test everything against a real Redis and a real
#               Apertium, started on free loopback ports when missing and
#               stopped afterwards
#   make eval CORPUS=../shared/corpus   extraction, translation fidelity (chrF,
#               paragraphs kept), summary quality (ROUGE against LEAD), and
#               the tests that read the corpus (detection, checks, paragraphs)
#   make chaos  two gateways under load on loopback while Redis, the primary
#               provider and one gateway fail (tools/chaos); fails if a request
#               that a fallback could serve failed. Then the flood: fresh
#               gateways sent big pages, fetched pages, many big batches and
#               thousands of slow connections; fails unless every request
#               ends 200 or 503 overloaded with Retry-After, the peak RSS
#               (printed) stays under 1 GiB and /healthz answers under 1s;
#               and SIGTERM during a long batch, which must be answered
#               whole (finished articles, the rest 503 shutting_down).
#               Then a job on two replicas while one is SIGKILLed, Redis
#               restarted on its AOF and another SIGTERMed, and a second job
#               cancelled: one result per article, calls bounded, nothing sent
#               after the cancel.
#               CHAOS_FLAGS='-phases flood' runs a part (go run ./tools/chaos -h)
#   make bench-jobs  one job of 10,000 articles on two gateways sharing Redis,
#               judged against the provider-bound ideal (tools/bench -phases jobs)

GO            ?= go
BIN           := bin/passerelle
APERTIUM_PORT ?= 2737
# The Dockerfile's build stage runs `make build`: these flags are the image's.
BUILD_FLAGS   := -trimpath -ldflags='-s -w'

.PHONY: all build run test vet fmt-check eval chaos clean

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

# Every evaluation runs, even after one fails, so that one run shows them all;
# the target fails when any did. The translation evaluation needs Apertium: the
# server named by PASSERELLE_TEST_APERTIUM_URL or APERTIUM_URL, else the one
# on APERTIUM_PORT, installed and started as `make run` does.
eval:
	@if [ -z "$(CORPUS)" ]; then echo "usage: make eval CORPUS=path/to/corpus"; exit 2; fi
	@failed=""; \
	echo "== extraction: $(GO) run ./tools/evalextract -corpus $(CORPUS)"; \
	$(GO) run ./tools/evalextract -corpus $(CORPUS) || failed="$$failed evalextract"; \
	url="$${PASSERELLE_TEST_APERTIUM_URL:-$$APERTIUM_URL}"; \
	if [ -z "$$url" ] && scripts/apertium.sh serve $(APERTIUM_PORT); then url=http://127.0.0.1:$(APERTIUM_PORT); fi; \
	echo; echo "== translation: $(GO) run ./tools/evalmt -corpus $(CORPUS) -apertium $${url:-(none)}"; \
	if [ -z "$$url" ]; then \
		echo "evalmt: no Apertium server: scripts/apertium.sh could not serve one on port $(APERTIUM_PORT) (see above)" >&2; failed="$$failed evalmt"; \
	else \
		$(GO) run ./tools/evalmt -corpus $(CORPUS) -apertium "$$url" || failed="$$failed evalmt"; \
	fi; \
	echo; echo "== summaries: $(GO) run ./tools/evalsum -corpus $(CORPUS)"; \
	$(GO) run ./tools/evalsum -corpus $(CORPUS) || failed="$$failed evalsum"; \
	echo; echo "== corpus tests: paragraphs kept, length ratios, detection, the fast paths held to their libraries"; \
	$(GO) test -count=1 ./article ./gateway/checks ./article/language -corpus $(abspath $(CORPUS)) || failed="$$failed corpus-tests"; \
	$(GO) test -count=1 ./gateway -run OpeningDecides -corpus $(abspath $(CORPUS)) || failed="$$failed corpus-tests"; \
	if [ -n "$$failed" ]; then echo; echo "make eval: failed:$$failed" >&2; exit 1; fi; \
	echo; echo "make eval: every evaluation met its floor"

chaos: build
	$(GO) run ./tools/chaos -bin $(BIN) $(CHAOS_FLAGS)

.PHONY: bench
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./article ./cache ./gateway/checks ./article/language ./article/tokens ./handlers ./gateway ./cmd/passerelle
	$(GO) build -o bin/bench ./tools/bench
	bin/bench -gateway $(BIN)

# One job of 10,000 short articles on two gateways sharing a Redis, the
# provider stand-in answering in 200 ms with max_concurrency 16 (8 a gateway):
# wall time against the provider-bound ideal, RSS, calls paid, Redis memory
# and TTLs. Minutes long. BENCH_JOBS_FLAGS='-articles 500' for a quick run.
.PHONY: bench-jobs
bench-jobs: build
	$(GO) build -o bin/bench ./tools/bench
	bin/bench -gateway $(BIN) -phases jobs $(BENCH_JOBS_FLAGS)

clean:
	rm -rf bin

# Fuzzing: every fuzz target of the module (found in the test files) in
# turn, each for FUZZTIME, by scripts/fuzz.sh. `make fuzz-short` is the quick
# pass scripts/test.sh ends with; FUZZ_TARGETS='./cache:FuzzKey ...' runs
# only those. New inputs that fail are written to the package's
# testdata/fuzz/<Fuzz...>/.
FUZZTIME         ?= 60s
FUZZMINIMIZETIME ?= 5s
FUZZ_TARGETS     ?=

.PHONY: fuzz fuzz-short

fuzz:
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME) $(FUZZMINIMIZETIME) $(FUZZ_TARGETS)

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=5s
