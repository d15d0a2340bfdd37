# CRM Casebook: `make lab`, `make demo`, `make test` set everything up on a fresh machine.
# Each creates or reuses the virtual environment .venv and installs what it needs.

VENV   ?= .venv
BIN    := $(CURDIR)/$(VENV)/bin
PYTHON := $(BIN)/python
# nbgrader shells out to `alembic`, and notebooks start kernels from this environment
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-packages

.PHONY: lab demo test install system-packages notebooks datasets benchmark benchmark-grading clean

install: $(STAMP) system-packages

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# Fonts with Chinese glyphs (charts) and Chromium (the browser test), from Debian's packages.
system-packages: $(SYSTEM_STAMP)

$(SYSTEM_STAMP):
	@if fc-list :lang=zh 2>/dev/null | grep -q . && command -v chromium >/dev/null; then \
	  echo "CJK fonts and Chromium present"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk chromium >/dev/null; \
	else \
	  echo "请安装中文字体和 Chromium / Please install a CJK font and Chromium: sudo apt-get install fonts-noto-cjk chromium"; exit 1; \
	fi
	@mkdir -p $(VENV) && touch $(SYSTEM_STAMP)

# JupyterLab refuses to run as root unless told; containers and CI machines often are root
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: install
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) $(ALLOW_ROOT) notebooks/00_start_here.ipynb

demo: install
	$(BIN)/crmkit data build --out build/demo/datasets
	$(BIN)/crmkit data validate build/demo/datasets
	$(BIN)/crmkit course demo --dir build/demo/course

test: install
	$(PYTHON) -m pytest -q tests
	$(PYTHON) -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg notebooks

# Re-execute the notebooks and store their outputs without random widget ids (commit the result;
# nbval compares against it). `python -m crmkit.notebook_outputs check notebooks/*.ipynb` says whether a file would change.
notebooks: install
	$(PYTHON) -m crmkit.notebook_outputs execute notebooks/*.ipynb

# A class of 60 students graded by plain nbgrader and by `crmkit course autograde`, in one run (~10 min).
benchmark-grading: install
	$(PYTHON) benchmarks/autograde_class.py --students 60

datasets: install
	$(BIN)/crmkit data build

benchmark: install
	$(PYTHON) benchmarks/dataset_generation.py
	$(PYTHON) benchmarks/widget_callbacks.py

clean:
	rm -rf build $(VENV)
