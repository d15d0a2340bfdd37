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

.PHONY: lab lab-instructor demo test check lint screenshots install system-packages postgres notebooks datasets \
        benchmark benchmark-grading clean hub-env hub-test

install: $(STAMP) system-packages

# The kit with its grading extra (nbgrader, psycopg, ...: every target here grades or builds the
# student pack) and the test tools. A student's own computer needs only `pip install crmkit`.
$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e ".[grading,test]"
	touch $(STAMP)

# Fonts with Chinese glyphs (charts), Chromium (the browser test) and bubblewrap (the grading
# sandbox), from Debian's packages.
system-packages: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): Makefile
	@if fc-list :lang=zh 2>/dev/null | grep -q . && command -v chromium >/dev/null && command -v bwrap >/dev/null; then \
	  echo "CJK fonts, Chromium and bubblewrap present"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  python3 scripts/apt_install.py fonts-noto-cjk chromium bubblewrap || exit 1; \
	else \
	  echo "请安装中文字体、Chromium 和 bubblewrap / Please install a CJK font, Chromium and bubblewrap: sudo apt-get install fonts-noto-cjk chromium bubblewrap"; exit 1; \
	fi
	@mkdir -p $(VENV) && touch $(SYSTEM_STAMP)

# PostgreSQL for the gradebook tests (tests/test_nbgrader_postgres.py): Debian's server and its own
# cluster on localhost, with a role that may create databases (each test makes and drops its own).
# Checked on every run, since the server is gone on a fresh machine; quick when it already answers.
POSTGRES_USER     ?= crmkit
POSTGRES_PASSWORD ?= crmkit
POSTGRES_DB       ?= crmkit_test
POSTGRES_PORT     ?= 5432
POSTGRES_URL      ?= postgresql://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@localhost:$(POSTGRES_PORT)/$(POSTGRES_DB)
PG_READY = command -v psql >/dev/null && PGCONNECT_TIMEOUT=5 psql "$(POSTGRES_URL)" -Atqc 'SELECT 1' >/dev/null 2>&1

postgres:
	@if $(PG_READY); then \
	  echo "PostgreSQL ready on localhost:$(POSTGRES_PORT)"; exit 0; \
	elif ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ]; then \
	  echo "请准备测试用 PostgreSQL / Please set up the test PostgreSQL (installs Debian's postgresql, starts it, creates role $(POSTGRES_USER)): sudo make postgres"; exit 1; \
	fi; \
	if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  python3 scripts/apt_install.py postgresql || exit 1; \
	fi; \
	cluster=$$(pg_lsclusters -h | awk '$$3 == $(POSTGRES_PORT) { print $$1 " " $$2; exit }'); \
	if [ -z "$$cluster" ]; then \
	  cluster="$$(ls /usr/lib/postgresql | sort -V | tail -n 1) main"; \
	  pg_createcluster -p $(POSTGRES_PORT) $$cluster >/dev/null || exit 1; \
	fi; \
	pg_ctlcluster $$cluster status >/dev/null 2>&1 || pg_ctlcluster $$cluster start || exit 1; \
	printf '%s\n' \
	  "SELECT 'CREATE ROLE $(POSTGRES_USER)' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$(POSTGRES_USER)')\gexec" \
	  "ALTER ROLE $(POSTGRES_USER) LOGIN CREATEDB PASSWORD '$(POSTGRES_PASSWORD)';" \
	  "SELECT 'CREATE DATABASE $(POSTGRES_DB) OWNER $(POSTGRES_USER)' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$(POSTGRES_DB)')\gexec" \
	  | (cd / && runuser -u postgres -- psql -p $(POSTGRES_PORT) -v ON_ERROR_STOP=1 -q) || exit 1; \
	if $(PG_READY); then echo "PostgreSQL ready on localhost:$(POSTGRES_PORT) (cluster $$cluster)"; \
	else echo "PostgreSQL 已启动但无法用 $(POSTGRES_USER) 登录；检查 pg_hba.conf / PostgreSQL runs but $(POSTGRES_USER) cannot log in over TCP; check pg_hba.conf"; exit 1; fi

# The JupyterHub of tests/test_hub.py, installed as docs/deployment.md installs it: JupyterHub and
# the kit in a virtual environment of the system's Python that every user can run (the hub starts
# each user's server as that user; .venv may sit where only its owner can read), and
# configurable-http-proxy (npm, else Debian's). Kept in build/; the kit is installed again
# when its files change.
HUB_ENV   := build/hub-env
HUB_STAMP := $(HUB_ENV)/.kit-installed
KIT_FILES := $(shell find crmkit datasets -type f ! -name '*.pyc' 2>/dev/null)

hub-env: $(HUB_STAMP)

$(HUB_STAMP): pyproject.toml scripts/hub_env.py $(KIT_FILES)
	$(PYTHON) scripts/hub_env.py $(HUB_ENV)
	touch $(HUB_STAMP)

# The hub test alone (about 3 minutes): a short term on a real JupyterHub, as root.
hub-test: install postgres hub-env
	CRMKIT_TEST_POSTGRES_URL=$(POSTGRES_URL) CRMKIT_HUB_ENV=$(CURDIR)/$(HUB_ENV) \
	  $(PYTHON) -m pytest -q tests/test_hub.py

# JupyterLab refuses to run as root unless told; containers and CI machines often are root
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# On a machine without a browser JupyterLab would warn "No web browser found", which reads like a
# failure: it is told not to try, and a line says which URL of the ones it prints to open.
NO_BROWSER := $(shell python3 -c "import webbrowser; webbrowser.get()" >/dev/null 2>&1 || echo --no-browser)
OPEN_URL_NOTE := 这台机器上没有浏览器：JupyterLab 启动后会打印 “Or copy and paste one of these URLs:”，把它下面以 http://localhost 开头、带 token 的网址复制到浏览器里打开 / No web browser on this machine: when JupyterLab has started it prints "Or copy and paste one of these URLs:"; open the http://localhost URL with the token below it in a browser

# A student's JupyterLab opens the student pack (`crmkit course student-pack`: the case notebooks
# and texts, data dictionaries and released assignments; no solutions or hidden tests), built
# into an ignored folder and built again when what it is made of changes. lab/student/ turns off
# nbgrader's instructor panels and the news pop-up. The instructor's opens the course in
# exercises/ with the formgrader.
STUDENT_PACK ?= build/student-pack
STUDENT_PACK_INPUTS := $(wildcard notebooks/*.ipynb cases/*.md datasets/*/README.md \
  datasets/*/datapackage.json exercises/nbgrader_config.py exercises/source/*/* \
  exercises/release/*/*) crmkit/grading/release/student_pack.py crmkit/grading/release/key_leaks.py

$(STUDENT_PACK)/.crmkit-pack.json: $(STAMP) $(STUDENT_PACK_INPUTS)
	$(BIN)/crmkit course student-pack --course exercises --out $(STUDENT_PACK)

lab: install $(STUDENT_PACK)/.crmkit-pack.json
	@$(if $(NO_BROWSER),echo '$(OPEN_URL_NOTE)')
	JUPYTER_CONFIG_PATH=$(CURDIR)/lab/student $(BIN)/jupyter lab --ServerApp.root_dir=$(abspath $(STUDENT_PACK)) $(ALLOW_ROOT) \
	  $(NO_BROWSER) $(abspath $(STUDENT_PACK))/notebooks/00_start_here.ipynb

lab-instructor: install
	@$(if $(NO_BROWSER),echo '$(OPEN_URL_NOTE)')
	cd exercises && $(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR)/exercises $(ALLOW_ROOT) $(NO_BROWSER)

# A whole term, headless (5-12 minutes once installed on a shared 2-core machine; README has the
# measurements): datasets built and validated, then a
# simulated class of 12 hands in, is autograded in parallel, gets feedback, and the class report
# is written to build/demo/course/reports/report.html.
demo: install
	$(BIN)/crmkit data build --out build/demo/datasets
	$(BIN)/crmkit data validate build/demo/datasets
	$(BIN)/crmkit course demo --dir build/demo/course --students 12

# Everything CI runs. The tests may write only into temporary or ignored folders: the tree guard
# compares `git status` before and after and fails naming any file a test changed.
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks
TREE_STATUS := $(VENV)/.tree-status

test: install postgres hub-env
	$(PYTHON) tests/tree_guard.py before $(TREE_STATUS)
	CRMKIT_TEST_POSTGRES_URL=$(POSTGRES_URL) CRMKIT_HUB_ENV=$(CURDIR)/$(HUB_ENV) $(PYTHON) -m pytest -q tests
	$(PYTHON) -m pytest -q $(NBVAL)
	$(MAKE) --no-print-directory lint
	$(PYTHON) tests/tree_guard.py after $(TREE_STATUS)

# Day to day (5–8 minutes here when quiet, about 14 at load 6): unit tests, nbval and the linters;
# no browser, PostgreSQL, JupyterHub or whole-class grading runs (markers browser, postgres, hub,
# slow).
check: install
	$(PYTHON) tests/tree_guard.py before $(TREE_STATUS)
	$(PYTHON) -m pytest -q -m "not slow and not browser and not postgres and not hub" tests
	$(PYTHON) -m pytest -q $(NBVAL)
	$(MAKE) --no-print-directory lint
	$(PYTHON) tests/tree_guard.py after $(TREE_STATUS)

# ruff (configured in pyproject.toml): lint, and formatting checked, never rewritten here; then
# the import rules between the package's sides ([tool.importlinter]; no cache file in the tree);
# then mypy on crmkit/ ([tool.mypy]; its cache folder ignores itself).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/mypy

# Refresh the committed pictures in docs/screenshots/ (the browser tests take them).
screenshots: install
	CRMKIT_SCREENSHOTS=$(CURDIR)/docs/screenshots $(PYTHON) -m pytest -q tests/test_browser.py

# Re-execute the notebooks and store their outputs without random widget ids (commit the result;
# nbval compares against it). `python -m crmkit.notebook_outputs check notebooks/*.ipynb` says whether a file would change.
notebooks: install
	$(PYTHON) -m crmkit.notebook_outputs execute notebooks/*.ipynb

# A class of 60 students graded by plain nbgrader and by `crmkit course autograde`, in one run (~10 min).
benchmark-grading: install
	$(PYTHON) benchmarks/autograde_class.py --students 60

# The case library as a website (Jupyter Book 1, no network needed): build/site/index.html, static
# files to host anywhere. Launch buttons for a course: make site SITE_OPTIONS="--repo URL --hub URL".
.PHONY: site
site: install
	$(PYTHON) book/build.py --out build/site $(SITE_OPTIONS)

datasets: install
	$(BIN)/crmkit data build

benchmark: install
	$(PYTHON) benchmarks/dataset_generation.py
	$(PYTHON) benchmarks/widget_callbacks.py
	$(PYTHON) benchmarks/load_tables.py

clean:
	rm -rf build $(VENV)
