# signet: build, test and release tasks. Run "make help" for the list.

GO         ?= go
BIN        := bin/signet
RELAY_BIN  := bin/signet-relay
PREFIX     ?= /usr/local
DESTDIR    ?=
MANDIR     := docs/man
# signet's pages; signet-relay's (signet-relay*.1) go with its package.
SIGNET_MAN  = $(filter-out $(MANDIR)/signet-relay.1 $(MANDIR)/signet-relay-%,$(wildcard $(MANDIR)/*.1))

# Version stamped into the binaries (main.Version) and the packages: see
# scripts/version.sh ("devel" outside a git checkout).
ifeq ($(origin VERSION),undefined)
VERSION    := $(shell bash scripts/version.sh)
endif
# Reproducible builds: no paths (-trimpath), no random build ID
# (-buildid=), the commit's VCS stamp (vcs.revision, vcs.modified; needs
# a git checkout), and the commit time for every file date in the
# packages. Two builds of one commit give identical bytes (make repro).
ifeq ($(origin SOURCE_DATE_EPOCH),undefined)
SOURCE_DATE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
endif
export SOURCE_DATE_EPOCH
BUILDVCS   := $(shell git rev-parse --git-dir >/dev/null 2>&1 && echo -buildvcs=true)
# Hardening of the C parts (cgo: pcsclite, libc), as Debian builds
# packages: fortified libc calls, full RELRO with immediate binding.
CGO_CFLAGS ?= -O2 -g -D_FORTIFY_SOURCE=2
export CGO_CFLAGS
# The commit, its time and whether the tree was clean, for "signet version
# --json" where the toolchain records no VCS stamp (a git worktree).
COMMIT     := $(shell git rev-parse HEAD 2>/dev/null)
COMMITTIME := $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
TREECLEAN  := $(shell git rev-parse --git-dir >/dev/null 2>&1 && { test -z "$$(git status --porcelain)" && echo true || echo false; })
VCSFLAGS   := $(if $(COMMIT),-X main.Commit=$(COMMIT) -X main.CommitTime=$(COMMITTIME) -X main.TreeClean=$(TREECLEAN))
LDFLAGS    := -buildid= -bindnow -X main.Version=$(VERSION) $(VCSFLAGS) -extldflags=-Wl,-z,relro,-z,now
BUILDFLAGS := -trimpath -buildmode=pie $(BUILDVCS) -ldflags '$(LDFLAGS)'
# runtime/secret (Go 1.26 experiment) erases what go-tpm copies of the PIN
# and the unsealed key (hsm.Erasing); check-binary fails without it.
BUILDENV   := GOEXPERIMENT=runtimesecret

# Flags for "make test". -race needs cgo (gcc, installed by "make deps").
TEST_FLAGS ?= -race -timeout 45m

# Fuzz time per target for "make fuzz".
FUZZTIME   ?= 30s
# Fuzz budget per target inside "make test" (CI), as a count of inputs:
# a -fuzztime duration races Go's fuzz coordinator at its deadline and
# can fail with a bare "context deadline exceeded" on a loaded machine
# (golang/go#75804, not fixed in Go 1.26). FuzzChainApply runs whole
# chains, about 200 inputs a second against 20,000 for the others.
FUZZTIME_CI       ?= 40000x
FUZZTIME_CI_CHAIN ?= 800x
# The API targets (signer) journal with fsync and decode up to 1 MiB.
FUZZTIME_CI_API   ?= 5000x
# Budgets of "make fuzz-long": the four differential targets of tka, about
# ten million executions in all (docs/interop.md has the last figure).
FUZZLONG       ?= 4000000x
FUZZLONG_AUTH  ?= 2000000x
FUZZLONG_CHAIN ?= 20000x

# The bench command, run by "make bench" once it exists.
BENCHCMD   := ./internal/benchcmd
BENCH_RUN  := $(if $(wildcard $(BENCHCMD)/*.go),$(GO) run $(BENCHCMD),@echo "bench: no $(BENCHCMD) yet, skipping")

.NOTPARALLEL:
.PHONY: help deps build build-relay deb deb-lint release repro run check test sweeps qr-sweep tamper check-binary bench fuzz fuzz-ci fuzz-long interop lint purity man install clean image image-test soak

help: ## list the targets
	@awk -F':.*## ' '/^[a-z-]+:.*## / { printf "  %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

deps: ## install the Debian packages and Go modules the tests need
	bash scripts/deps.sh
	bash scripts/promtool.sh
	$(GO) mod download

build: ## build bin/signet
	$(BUILDENV) $(GO) build $(BUILDFLAGS) -o $(BIN) ./cmd/signet

build-relay: ## build bin/signet-relay
	$(GO) build $(BUILDFLAGS) -o $(RELAY_BIN) ./cmd/signet-relay

# nfpm is built from tools/go.mod, a module of its own, so none of its
# dependencies enters signet's go.mod.
bin/nfpm: tools/go.mod tools/go.sum
	$(GO) -C tools build -trimpath -o ../bin/nfpm github.com/goreleaser/nfpm/v2/cmd/nfpm

deb: build build-relay bin/nfpm ## build bin/deb/signet_VERSION_ARCH.deb and signet-relay_VERSION_ARCH.deb
	SIGNET_VERSION=$(VERSION) bash scripts/deb.sh

deb-lint: deb ## run lintian on the packages (installs lintian)
	bash scripts/deb-lint.sh bin/deb/*.deb

release: deb ## bin/release: the packages, the binaries and SHA256SUMS
	rm -rf bin/release && mkdir -p bin/release
	cp bin/deb/*.deb bin/release/
	cp $(BIN) bin/release/signet_$(VERSION)_linux_$$($(GO) env GOARCH)
	cp $(RELAY_BIN) bin/release/signet-relay_$(VERSION)_linux_$$($(GO) env GOARCH)
	cd bin/release && sha256sum * >SHA256SUMS && cat SHA256SUMS

repro: ## build this commit twice in two fresh clones and compare the hashes
	bash scripts/repro.sh

run: ## start signet serve on a swtpm (or soft) key in ./.state, console here
	@echo "make run: [1/4] checking the Debian packages it needs (scripts/deps.sh)"
	@bash scripts/deps.sh
	@echo "make run: [2/4] building $(BIN); a first build downloads modules and compiles about 300 packages (minutes on a small machine)"
	@bash scripts/build-progress.sh $(MAKE) --no-print-directory build
	@./$(BIN) version
	@bash scripts/run.sh

# The fast tier: every unit test, without -race and with -short, which
# skips what needs tmux, swtpm, pcscd, a built binary, a tailnet or a long
# loop (each such test says so; internal/testenv.SkipShort). Under two
# minutes on two cores once the build cache is warm. "make test" runs
# everything.
check: lint ## gofmt, go vet, purity, and the unit tests (go test -short, no -race): fast feedback
	$(GO) test -short ./...

test: deps lint ## deps, lint, all tests with -race, the full sweeps and tamper matrix, check-binary, short fuzz runs
	$(GO) test $(TEST_FLAGS) ./...
	$(MAKE) sweeps
	$(MAKE) tamper
	$(MAKE) check-binary
	$(MAKE) fuzz-ci

# Under -race these tka loops run a sample (neither tka starts a
# goroutine there, so the race detector has nothing more to find in the
# rest); this runs them in full without it: the differential chains
# against tailscale.com and the batch verifier.
sweeps: ## the long tka loops in full, without -race (part of make test)
	$(GO) test -count=1 -run '^(TestChainVerdictsMatchTailscale|TestBatchVerifyMatchesSingle)$$' ./tka

# zbarimg on all 160 QR versions and levels; under -race (make test) a
# sample of them is decoded.
qr-sweep: ## decode every QR version and level with zbarimg, without -race
	$(GO) test -count=1 -run '^TestQRZbarAllVersions$$' ./internal/qr

# Under -race the tamper matrix judges a sample of its mutations; this
# runs all of them without the race detector and prints its figures.
tamper: ## every byte flip and cut of a real state dir, checked as a start and the verify verbs do
	@mkdir -p bin
	$(GO) test -count=1 -run '^TestTamperMatrix$$' -v ./cmd/signet > bin/tamper.out 2>&1 || { cat bin/tamper.out; exit 1; }
	@grep -E '^FIGURE tamper|tamper_test.go.*(bytes:|matrix:|binary sample:)' bin/tamper.out

soak: ## kill the real daemon 1,000 times at random points and check the journal (long)
	SIGNET_SOAK_KILLS=1000 $(GO) test ./cmd/signet -run '^TestCrashSoak$$' -count=1 -v -timeout 60m

fuzz-ci: ## run each tka, signer (API), lockstatus, hsm key-file/URI and safetext fuzz target briefly from its committed seed corpus
	FUZZTIME=$(FUZZTIME_CI) FUZZTIME_FuzzChainApply=$(FUZZTIME_CI_CHAIN) \
	FUZZTIME_FuzzHandler=$(FUZZTIME_CI_API) FUZZTIME_FuzzDecodeRequest=$(FUZZTIME_CI_API) \
	FUZZPKGS='/(tka|signer|internal/lockstatus|hsm|hsm/tpm|hsm/soft|internal/safetext)$$' bash scripts/fuzz.sh

fuzz-long: ## the four differential targets for ~10 million executions, niced (an hour on 2 cores); keeps the corpus
	FUZZTIME=$(FUZZLONG) FUZZTIME_FuzzNodeKeyAuthorized=$(FUZZLONG_AUTH) FUZZTIME_FuzzChainApply=$(FUZZLONG_CHAIN) \
	FUZZPKGS='/tka$$' FUZZTARGETS='^Fuzz(AUMDecode|NodeKeySignatureDecode|NodeKeyAuthorized|ChainApply)$$' FUZZSAVE=1 \
	nice -n 19 bash scripts/fuzz.sh

interop: ## the conformance suite against every tailscale.com release of the matrix; writes docs/interop-matrix.md
	SIGNET_RELEASES=all SIGNET_INTEROP_REPORT=$(CURDIR)/docs/interop-matrix.md \
	$(GO) test ./tka -run '^TestReleaseMatrix$$' -count=1 -v -timeout 30m

check-binary: build ## fail if bin/signet links test-only code
	bash scripts/check-binary.sh $(BIN)

bench: ## run the Go benchmarks, the tamper matrix (figures only), then the bench command if present
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) test -count=1 -short -run '^TestTamperMatrix$$' ./cmd/signet -v | grep -E '^FIGURE tamper'
	$(BENCH_RUN)

fuzz: ## run every fuzz target for FUZZTIME (default 30s)
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

lint: purity ## gofmt, go vet and the tka purity check
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then \
		echo "lint: gofmt needed on:"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet ./...

purity: ## check that tka imports no I/O, network or hardware package
	bash scripts/check-purity.sh

man: ## regenerate docs/man from the command trees of signet and signet-relay
	$(GO) test ./cmd/signet ./cmd/signet-relay -run '^TestManPages$$' -update-man

install: build ## install signet and its man pages under DESTDIR/PREFIX
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/signet
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 $(SIGNET_MAN) $(DESTDIR)$(PREFIX)/share/man/man1/

# The appliance image (issue 7): not part of "make test"; CI (.ci/run) runs
# "make image-test" after it. Both need root and a Debian mirror and install
# their own tools (mmdebstrap, qemu-system-x86, swtpm). image-test boots with
# KVM when /dev/kvm runs a guest, TCG otherwise (SIGNET_IMAGE_ACCEL=tcg|kvm
# forces one) and fails on any step. The image is Debian trixie
# (SIGNET_IMAGE_SUITE=... picks another; it needs Linux 6.2 or later for
# the dev.tty.legacy_tiocsti sysctl serve insists on).
IMAGE_DIR  ?= bin/image

image: ## build the Debian appliance image (mmdebstrap, root) into IMAGE_DIR
	bash image/build.sh $(IMAGE_DIR)

image-test: ## build the test image, boot it in qemu with swtpm and sign through it (CI)
	SIGNET_IMAGE_TEST=1 bash image/build.sh $(IMAGE_DIR)-test
	python3 image/boot.py $(IMAGE_DIR)-test

clean: ## remove build output
	rm -rf bin
