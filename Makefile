# qualcode: `make demo` and `make test` work on a fresh clone (they create .venv first).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
QC := $(BIN)/qualcode
DEMO ?= demo-project
export QUALCODE_CODER ?= demo

.PHONY: venv demo test test-pg check lint bench bench-hot bench-scale eval eval-tune clean

venv: $(VENV)/.installed

# PYTHONWARNINGS: setuptools warns on every editable install that a folder named like the
# package could shadow it; the package is that folder here, so the banner only clutters the
# quick start.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PYTHONWARNINGS="ignore:Editable installation:UserWarning" $(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# The whole path on the bundled, clearly SYNTHETIC demo corpus: import, the shipped hand-made
# coding and summaries, spaCy suggestions, then the per-firm characterisation table.
demo: venv
	rm -rf $(DEMO)
	$(QC) init $(DEMO)
	$(QC) -p $(DEMO) codebook load codebooks/nev_battery_value_chain.yaml
	$(QC) -p $(DEMO) import transcripts/demo/
	$(QC) -p $(DEMO) codings import transcripts/demo-coding/ transcripts/demo-coding-li/
	$(QC) -p $(DEMO) suggest
	$(QC) -p $(DEMO) report -o $(DEMO)/report.html
	$(QC) -p $(DEMO) synthesize --format md -o $(DEMO)/firms.md --manifest $(DEMO)/manifest.json
	$(QC) -p $(DEMO) synthesize --coder wei
	@echo "Also written: $(DEMO)/report.html and $(DEMO)/firms.md. Try: $(QC) -p $(DEMO) review"

test: venv
	$(BIN)/pytest -q

# The same suite against a real PostgreSQL server: scripts/with-postgres.sh starts a throwaway one
# (installing Debian's postgresql when missing) and sets QUALCODE_TEST_DB_URL; each test project
# gets its own schema there.
test-pg: venv
	scripts/with-postgres.sh $(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check qualcode tests benchmarks

check: lint test

# Every benchmark: the hot paths beside same-run baselines, then the growth from 1 M to 10 M words.
bench: bench-hot bench-scale

bench-hot: venv
	$(BIN)/python benchmarks/run.py

# 1 M, 3 M and 10 M words (1,000 interviews, 1 M codings at the top): how each command grows and
# its peak memory. Long (tens of minutes on 2 cores); results go to benchmarks/RESULTS.md.
bench-scale: venv
	nice -n 10 $(BIN)/python benchmarks/scale.py

# Suggestion quality on real transcripts against the hand-made gold standard: the held-out files
# (what the README reports), and the tuning files (for whoever tunes the codebook).
eval: venv
	$(BIN)/python benchmarks/quality.py --part heldout --demo

eval-tune: venv
	$(BIN)/python benchmarks/quality.py --part tune

clean:
	rm -rf $(VENV) $(DEMO) benchmarks/_work .pytest_cache
