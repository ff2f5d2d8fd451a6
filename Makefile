# Everything a fresh machine needs, from two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_USERS ?= 2000
SAMPLE_DAYS ?= 60
SAMPLE_DIR := data/sample
# `make bench BENCH_USERS=175000` is about 10M events (about 0.95 events per person-day over 60 days)
BENCH_USERS ?= 20000
BENCH_DAYS ?= 60
BENCH_PEER_USERS ?= 2000
PEER_VENV := .venv-peer
export JOURNEY_DUCKDB_PATH ?= $(CURDIR)/target/journey.duckdb
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: demo test lint unit build sample setup bench bench-peer clean

setup: $(VENV)/.installed profiles.yml

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml tools/sample/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip install --quiet --no-deps -e tools/sample
	touch $@

profiles.yml: profiles.yml.example
	cp profiles.yml.example profiles.yml

$(SAMPLE_DIR)/truth.json: $(VENV)/.installed $(wildcard tools/sample/journey_sample/*.py tools/sample/journey_sample/scenarios/*.py)
	$(BIN)/python scripts/generate_events.py --users $(SAMPLE_USERS) --days $(SAMPLE_DAYS) --out $(SAMPLE_DIR)

sample: $(SAMPLE_DIR)/truth.json

# the sample's CRM table (cancellation survey) for the win-back trigger; a user's project sets
# journey__crm_cancellation_survey_path to its own (null = no survey: the trigger warns)
SAMPLE_VARS := --vars '{journey__crm_cancellation_survey_path: $(SAMPLE_DIR)/cancellation_survey.csv}'

build: setup sample
	$(BIN)/dbt build --full-refresh $(SAMPLE_VARS)

demo: build
	$(BIN)/python scripts/build_report.py --database $(JOURNEY_DUCKDB_PATH) --out $(REPORT_OUT) --quiet
	$(BIN)/python scripts/demo_summary.py --database $(JOURNEY_DUCKDB_PATH) --truth $(SAMPLE_DIR)/truth.json --report $(REPORT_OUT) --started-at $(DEMO_STARTED)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models analyses tests/dbt

test: setup sample lint $(PEER_VENV)/.installed .venv-gbstats/.installed .venv-spark/.installed
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python scripts/benchmark.py --users $(BENCH_USERS) --days $(BENCH_DAYS)

# retentioneering in a virtual environment of its own: its DuckDB pin differs from ours
$(PEER_VENV)/.installed: scripts/bench/peer-requirements.txt scripts/bench/peer-constraints.txt
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install --quiet --upgrade pip
	$(PEER_VENV)/bin/pip install --quiet -r scripts/bench/peer-requirements.txt -c scripts/bench/peer-constraints.txt
	touch $@

bench-peer: setup $(PEER_VENV)/.installed
	$(BIN)/python scripts/benchmark_peer.py --users $(BENCH_PEER_USERS) --days $(BENCH_DAYS) --peer-python $(PEER_VENV)/bin/python

clean:
	rm -rf $(VENV) $(PEER_VENV) target logs data dbt_packages

# Serving mode (README: "Serving BI while the schedule builds"): BI tools read the snapshot at
# JOURNEY_SERVING_PATH, never the database the build writes. `scheduled-build` leaves the dbt unit
# tests out, as production schedules do; a failed build stops here and publishes nothing.
export JOURNEY_SERVING_PATH ?= $(CURDIR)/target/serving/journey.duckdb
.PHONY: publish scheduled-build

publish: setup
	$(BIN)/python scripts/publish_marts.py --database $(JOURNEY_DUCKDB_PATH)

scheduled-build: setup sample
	$(BIN)/dbt build --exclude-resource-type unit_test $(SAMPLE_VARS)
	$(BIN)/python scripts/publish_marts.py --database $(JOURNEY_DUCKDB_PATH)

# The package installed into a parent project (integration_tests/, `local: ../`): dbt deps + build
# on a small generated sample, with the checks of tests/python/test_integration_project.py.
.PHONY: integration
integration: setup
	$(BIN)/python -m pytest -q tests/python/test_integration_project.py

# The visual report (README: "The report"): one static HTML file, plotly.js inlined, opens offline.
REPORT_OUT ?= target/report.html
DEMO_STARTED := $(shell date +%s)
.PHONY: report

report: setup
	@test -f $(JOURNEY_DUCKDB_PATH) || $(MAKE) build
	$(BIN)/python scripts/build_report.py --database $(JOURNEY_DUCKDB_PATH) --out $(REPORT_OUT)

# The semantic layer (README: "Metrics"): MetricFlow's `mf` in its own environment (.venv-metricflow,
# about 230 MB, 95 s to install here), so that .venv stays lean. `make test` creates it, which lets
# tests/python/test_semantic_metrics.py compare every metric with its mart (it skips without it).
MF_VENV := .venv-metricflow
.PHONY: metricflow test-metrics

$(MF_VENV)/.installed: requirements-metricflow.txt constraints-metricflow.txt
	$(PYTHON) -m venv $(MF_VENV)
	$(MF_VENV)/bin/pip install --quiet --upgrade pip
	$(MF_VENV)/bin/pip install --quiet -r requirements-metricflow.txt -c constraints-metricflow.txt
	touch $@

metricflow: $(MF_VENV)/.installed

test: $(MF_VENV)/.installed

test-metrics: setup sample metricflow
	$(BIN)/python -m pytest -q tests/python/test_semantic_metrics.py tests/python/test_semantic_framework.py

# Data quality docs (README: "Data quality"): Great Expectations on every contracted mart, Data Docs
# that open offline in target/data_docs, a summary printed; fails on a broken invariant.
.PHONY: quality

quality: setup
	@test -f $(JOURNEY_DUCKDB_PATH) || $(MAKE) build
	$(BIN)/python scripts/run_data_quality.py --database $(JOURNEY_DUCKDB_PATH) --out target/data_docs

# GrowthBook's gbstats 0.8.0, the reference for tests/python/test_experiments_gbstats.py, in a
# virtual environment of its own: it pins numpy<2, pandas<2 and scipy<2.
GBSTATS_VENV := .venv-gbstats
$(GBSTATS_VENV)/.installed: tests/python/peers/gbstats-requirements.txt
	$(PYTHON) -m venv $(GBSTATS_VENV)
	$(GBSTATS_VENV)/bin/pip install --quiet --upgrade pip
	$(GBSTATS_VENV)/bin/pip install --quiet -r tests/python/peers/gbstats-requirements.txt
	touch $@

.PHONY: .venv-gbstats
.venv-gbstats: $(GBSTATS_VENV)/.installed

# Slim CI for pull requests (README: "Slim CI for pull requests"): build only the models a branch
# changed and everything downstream of them (state:modified+), reading every unchanged parent
# from production through main's manifest (--defer). STATE is a folder holding main's
# manifest.json: `make ci-main-state` on main writes one (dbt parse; no warehouse needed), or
# fetch target/manifest.json from main's last production run. The target must be able to read
# production's relations (the same warehouse; on DuckDB, production's file attached).
STATE ?= target/main-state
CI_SLIM_ARGS ?=
.PHONY: ci-slim ci-main-state

ci-main-state: setup
	$(BIN)/dbt parse --target-path $(STATE)

ci-slim: setup
	@test -f "$(STATE)/manifest.json" || { echo "ci-slim: no manifest.json in STATE=$(STATE): run 'make ci-main-state STATE=$(STATE)' on main, or fetch main's target/manifest.json there"; exit 2; }
	$(BIN)/dbt build --select state:modified+ --defer --state $(STATE) $(CI_SLIM_ARGS)

# Real-time journey triggers on Kafka (docs/stream.md). `stream`: a local Tansu broker, the
# processor, the replay producer (fct_events if built, else synthetic events) and fires as they
# happen; `bench-stream`: events/s per process and stall-fire latency, one and two processes.
.PHONY: stream bench-stream

stream: setup
	$(BIN)/python scripts/stream_demo.py

bench-stream: setup
	$(BIN)/python scripts/stream_bench.py

# Optional Spark target (docs/spark.md): dbt-spark in session mode (PySpark, Java 17) in a
# virtual environment of its own, so the main one stays as it is. `make spark-build` builds
# the sample on Spark; `make test-spark` compares Spark's core tables with DuckDB's. `make test`
# creates the environment too (its prerequisite .venv-spark/.installed, written literally there
# because SPARK_VENV is defined below it), so tests/python/test_spark.py runs in the suite.
SPARK_VENV := .venv-spark
.PHONY: spark-setup spark-build test-spark

$(SPARK_VENV)/.installed: spark/requirements.txt spark/constraints.txt
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install --quiet --upgrade pip
	$(SPARK_VENV)/bin/pip install --quiet -r spark/requirements.txt -c spark/constraints.txt
	touch $@

spark-setup: $(SPARK_VENV)/.installed profiles.yml

spark-build: spark-setup sample
	SPARK_LOCAL_IP=127.0.0.1 $(SPARK_VENV)/bin/dbt seed --target spark
	SPARK_LOCAL_IP=127.0.0.1 $(SPARK_VENV)/bin/dbt build --target spark --full-refresh --exclude-resource-type unit_test \
		--vars '{journey__attribution_python_models: false, journey__segments_python_models: false, journey__experiments_python_models: false}'

test-spark: setup $(SPARK_VENV)/.installed
	JOURNEY_REQUIRE_SPARK=1 $(BIN)/python -m pytest -q tests/python/test_spark.py
