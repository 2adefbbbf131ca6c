# The two set-up commands of the README. Each bootstraps .venv from uv.lock by itself.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
# Compiled bytecode: without it every Airflow import costs seconds (PYTHONDONTWRITEBYTECODE may be set).
export UV_COMPILE_BYTECODE := 1

DEMO_RUN := 2026011500
# The DAG's schedule: the model cycle plus DWD's 90-minute publication delay.
DEMO_LOGICAL_DATE := 2026-01-15T01:30:00+00:00
DEMO_ENV := AIRFLOW_HOME=$(CURDIR)/airflow_home \
	AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__CORE__PARALLELISM=4 \
	CROSSWARN_DWD_BASE_URL=file://$(CURDIR)/scenario/mirror \
	CROSSWARN_ARCHIVE_DIR=$(CURDIR)/archive \
	CROSSWARN_WORK_DIR=$(CURDIR)/work \
	CROSSWARN_OUT_DIR=$(CURDIR)/out \
	CROSSWARN_CACHE_DIR=$(CURDIR)/.cache

.PHONY: demo test lint clean notebooks

demo: $(VENV)/.compiled
	$(VENV)/bin/crosswarn scenario --mirror scenario/mirror
	@mkdir -p airflow_home
	$(DEMO_ENV) $(VENV)/bin/airflow db migrate > airflow_home/db-migrate.log 2>&1 \
		|| { cat airflow_home/db-migrate.log; exit 1; }
	$(DEMO_ENV) $(VENV)/bin/crosswarn ledger migrate
	@echo "airflow dags test crosswarn_dwd_icon_d2 $(DEMO_LOGICAL_DATE)  (log: airflow_home/demo.log)"
	$(DEMO_ENV) $(VENV)/bin/airflow dags test crosswarn_dwd_icon_d2 $(DEMO_LOGICAL_DATE) \
		> airflow_home/demo.log 2>&1 || { tail -n 60 airflow_home/demo.log; exit 1; }
	@grep -q "DagRun Finished.*state=success" airflow_home/demo.log \
		|| { echo "the DAG run did not succeed: see airflow_home/demo.log"; exit 1; }
	@echo "airflow dags test crosswarn_consultation  (log: airflow_home/consultation.log)"
	$(DEMO_ENV) $(VENV)/bin/airflow dags test crosswarn_consultation \
		> airflow_home/consultation.log 2>&1 || { tail -n 60 airflow_home/consultation.log; exit 1; }
	@grep -q "DagRun Finished.*state=success" airflow_home/consultation.log \
		|| { echo "the consultation did not succeed: see airflow_home/consultation.log"; exit 1; }
	$(VENV)/bin/crosswarn summary out/dwd-icon-d2/$(DEMO_RUN)
	$(DEMO_ENV) $(VENV)/bin/crosswarn verify --from 2026-01-15 --to 2026-01-15 \
		--source dwd-icon-d2 --observations scenario/observations.csv \
		--out out/verification/2026-01-15
	@echo "  consultation triggers (Restricted CAP, bulletins, map): out/consultation/$(DEMO_RUN)/"

test: $(VENV)/.compiled
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

# JupyterLab in notebooks/ (they read the outputs of `make demo`), with the project's kernel
# "crosswarn" registered into .venv: another Jupyter finds it with JUPYTER_PATH=.venv/share/jupyter.
# The kernels' connections are encrypted (CurveZMQ) where the kernel supports it.
notebooks: $(VENV)/.compiled
	$(VENV)/bin/python -m ipykernel install --sys-prefix --name crosswarn \
		--display-name "crosswarn (.venv)" > /dev/null
	@test -f out/dwd-icon-d2/$(DEMO_RUN)/summary.json \
		|| echo "no demo outputs yet: run 'make demo' first, the notebooks read them"
	cd notebooks && ../$(VENV)/bin/jupyter lab --KernelManager.transport_encryption=auto

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

# crosswarn's own modules compiled as well (uv compiles the dependencies, not the project it
# installs editable): else every run and every Airflow task compiles them again (0.3 s).
$(VENV)/.compiled: $(VENV)/.synced $(shell find pipeline dags -name '*.py')
	$(VENV)/bin/python -m compileall -q pipeline dags
	@touch $@

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

clean:
	rm -rf out work archive .cache airflow_home scenario
