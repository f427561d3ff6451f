# The README's commands. Each one creates .venv from a Python >= 3.12 it finds and installs
# the package into it first, so both work on a machine that has only Python.
VENV      := .venv
VPY       := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
EXTRAS    ?= dev

.PHONY: demo test test-fast app lint format bench clean robustness notebooks lab

$(STAMP): pyproject.toml
	@PY=$$(sh tools/find-python.sh) || exit 1; \
	  if [ ! -x $(VPY) ]; then echo "creating $(VENV) with $$PY"; "$$PY" -m venv $(VENV) || exit 1; fi
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

demo: $(STAMP)
	$(VPY) -m sim.demo

# The stored sweep notebook 03 reads: 200 design points x 5 policies, five years each (about a
# quarter of an hour on 2 cores). Resumable: run it again to finish an interrupted sweep.
robustness: $(STAMP)
	$(VPY) -m sim.sweep experiment=robustness workers=$${WORKERS:-2} out=results/robustness

# Every notebook at its default settings; times in docs/notebooks.md, executed copies in
# results/notebooks/ (about 10 minutes on 2 cores).
notebooks: $(STAMP)
	$(VPY) tools/run_notebooks.py

# JupyterLab on this machine only (127.0.0.1); it prints the URL with its token.
lab: $(STAMP)
	@$(VPY) -c "import jupyterlab" 2>/dev/null || $(VPY) -m pip install --quiet -e ".[dev,notebook]"
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --port $${PORT:-8888} --no-browser \
	  --ServerApp.root_dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

app: $(STAMP)
	$(VENV)/bin/solara run sim/view/app.py --host $${HOST:-127.0.0.1} --port $${PORT:-8765} --production

test: $(STAMP)
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .
	$(VPY) -m pytest -n 2 --dist loadgroup -q

# The inner loop: every test not marked slow (docs/testing.md lists the slow ones).
test-fast: $(STAMP)
	$(VPY) -m pytest -n 2 --dist loadgroup -q -m "not slow"

lint: $(STAMP)
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .

format: $(STAMP)
	$(VPY) -m ruff format .
	$(VPY) -m ruff check --fix .

bench: $(STAMP)
	$(VPY) benchmarks/bench_run.py

clean:
	rm -rf $(VENV) outputs .pytest_cache .ruff_cache
