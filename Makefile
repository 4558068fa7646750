# pgwtui — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('pyproject.toml','rb').read()).hexdigest()[:12])" 2>/dev/null)
SRC := bridge pgwtui
PYTEST_ARGS ?=

.PHONY: run serve test check lint format typecheck imports deps system-deps bench screenshots soak fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

## deps: the venv with the package and its dev tools (re-installed when pyproject.toml changes)
deps: $(STAMP)

## system-deps: the Go Pushgateway and Prometheus (with promtool) from apt, as root or with sudo, when missing
system-deps:
	@scripts/install-system-deps.sh

## run: the live demo — embedded gateway + spool bridge on ./spool + the TUI
run: deps
	$(BIN)/pgwtui

## serve: only the gateway, on :9091 (a drop-in for prometheus-pushgateway)
serve: deps
	$(BIN)/pgw-bridge serve --web.enable-admin-api --web.enable-lifecycle

## test: everything in tests/, with the real Go Pushgateway and Prometheus installed first
test: deps system-deps
	PGW_REQUIRE_ORACLES=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff's lint rules and format check, as CI runs them (nothing is changed)
lint: deps
	$(BIN)/ruff check $(SRC) tests bench scripts
	$(BIN)/ruff format --check $(SRC) tests bench scripts

## format: rewrite the code in ruff's format and apply its safe fixes
format: deps
	$(BIN)/ruff format $(SRC) tests bench scripts
	$(BIN)/ruff check --fix $(SRC) tests bench scripts

## typecheck: mypy, strict on bridge and pgwtui
typecheck: deps
	$(BIN)/mypy

## imports: the import-linter contracts in pyproject.toml (which package may import which)
imports: deps
	$(BIN)/lint-imports

## check: linters, types, import contracts, then the tests (what CI runs)
check: lint typecheck imports test

## fuzz: the long fuzzing run (20,000 examples per fuzz test; make test runs 100)
fuzz: deps
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/integration/test_fuzz.py tests/unit -q

## bench: the Go Pushgateway and ours side by side (5-10 min; bench/RESULTS.md); smoke run: make bench BENCH_ARGS=--quick
bench: deps
	@scripts/install-system-deps.sh --bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## soak: pgw-bridge serve --persistence.file under concurrent pushes, deletes and scrapes; RSS over time (bench/soak.py)
soak: deps
	$(BIN)/python -m bench.soak

## screenshots: regenerate screenshots/*.svg from the real app (never hand-edited)
screenshots: deps
	$(BIN)/python scripts/screenshots.py

## clean: remove the venv and the tools' caches
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

## golden: re-record tests/golden/<oracle version>/ from the real Go Pushgateway (review the diff, then commit)
.PHONY: golden
golden: deps system-deps
	PGW_REQUIRE_ORACLES=1 PGW_GOLDEN=record $(BIN)/python -m pytest tests/differential/test_cases.py tests/differential/test_native_cases.py -q $(PYTEST_ARGS)
