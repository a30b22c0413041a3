PY ?= .venv/bin/python
export HLOOP_DATASET ?= ../shared/data/ag_news

.PHONY: setup test lint run bench
setup:
	bash .ci/setup
test:
	$(PY) -m pytest -q
lint:
	$(PY) -m ruff check hloop labeling training tests benchmarks app.py
run:
	$(PY) app.py
bench:
	$(PY) -m pip install -q -r requirements-bench.txt
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_import.py
	$(PY) benchmarks/bench_queue.py
	$(PY) benchmarks/bench_app.py
	$(PY) benchmarks/bench_load.py  # needs PostgreSQL: $$HLOOP_TEST_POSTGRES_URL or .ci/postgres
	$(PY) benchmarks/bench_search.py
	$(PY) benchmarks/bench_coldstart.py
	$(PY) benchmarks/bench_monitor.py
	$(PY) benchmarks/bench_observe.py
