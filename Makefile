# kmeans-lab: two commands do all set-up.
#   make lab   - create .venv if needed, install, open JupyterLab on your copy of the course
#   make test  - create .venv if needed, install, run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: html lab test test-quick lint format test-browser bench nav run-notebooks release autograde grades feedback report export override regrade rejudge explain demo-class install clean

install: $(STAMP)

# The pip wheel ensurepip bundles (python3-venv on Debian), to run pip without installing it.
PIP_WHEEL = 'import ensurepip, pathlib; print(min(pathlib.Path(ensurepip.__file__).parent.glob("_bundled/pip-*.whl")))'

# Re-install when the package metadata or this recipe changes.
$(STAMP): pyproject.toml Makefile tools/hide_instructor_tools.sh
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "kmeans-lab needs Python >= 3.10; set PYTHON=python3.x"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	# uv installs in seconds where pip takes a minute or more. pip bootstraps it into .venv, so
	# nothing needs installing first: run from the wheel Python bundles (ensurepip's), it installs
	# uv without installing itself first (5-7 s); uv then installs pip with the rest. Where uv
	# cannot be had, pip does the install (slower).
	@if $(BIN)/python "$$($(BIN)/python -c $(PIP_WHEEL))/pip" install --quiet --disable-pip-version-check uv 2>/dev/null; then \
	  echo "$(BIN)/uv pip install pip -e '.[test,instructor,hub]'"; \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python pip -e '.[test,instructor,hub]'; \
	else \
	  echo "uv could not be installed here: installing with pip instead (slower)"; \
	  { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; } && \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e '.[test,instructor,hub]'; \
	fi
	# rfc3987-syntax costs every Jupyter and nbgrader start 1.2 s of CPU (pyproject.toml's
	# [tool.uv] says why); uv no longer installs it, pip and older venvs may have it
	@$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax 2>/dev/null || true
	# .venv is the students' environment: hide nbgrader's instructor tools (Validate stays)
	PATH="$(CURDIR)/$(BIN):$$PATH" tools/hide_instructor_tools.sh
	touch $(STAMP)

# Students work in their own copy of the course, my-course/ (gitignored): created from
# the generated notebooks/student/ on first use, then updated without losing their work
# (kmeans_lab/workspace.py says the rule). JupyterLab opens my-course/00_index.ipynb, with
# .venv/bin first on the PATH of its notebooks (`!kmeans-lab ...`), and --allow-root as root.
lab: $(STAMP)
	$(BIN)/kmeans-lab lab

# The solution notebooks (not the generated student copies) are re-run by nbval.
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

# axe-core (npm), for the accessibility tests only (tests/test_accessibility.py): not part of
# the students' install, so `make lab` does not wait for it.
AXE := tests/axe/node_modules/.installed
$(AXE): tests/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/axe --no-audit --no-fund --silent && touch $@; \
	else echo "NOTE: npm not found: the accessibility tests need it ('apt-get install -y npm')"; fi

# PYTEST_ARGS goes to pytest (e.g. make test-quick PYTEST_ARGS="-k checks -x").
# TEST_WORKERS pytest processes (pytest-xdist) share the tests, a whole file each (--dist
# loadfile: a notebook's cells stay in order in one kernel, a module's fixtures are made once);
# TEST_WORKERS=0 runs them in make's own process (for --pdb, or to time one test alone).
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadfile)
test: $(STAMP) $(AXE) lint
	@status=0; MPLBACKEND=Agg $(BIN)/python -m pytest $(XDIST) --durations=8 --doctest-modules kmeans_lab tests \
	    $(if $(NOTEBOOKS),--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS)) $(PYTEST_ARGS) || status=$$?; \
	test -x /usr/bin/chromium || echo "NOTE: the browser test (tests/test_browser.py) was NOT run:" \
	    "/usr/bin/chromium not found. Install it with 'apt-get install -y chromium', then run 'make test-browser'."; \
	exit $$status

# The edit-test loop: everything but the tests marked slow (the sandboxed grading, the
# browser and hub suites, end to end), and hypothesis's property tests with fewer examples
# (tests/conftest.py's `quick` profile). `make test` and CI run all of it.
test-quick: $(STAMP) lint
	HYPOTHESIS_PROFILE=quick MPLBACKEND=Agg $(BIN)/python -m pytest $(XDIST) -m "not slow" --durations=5 --doctest-modules kmeans_lab tests \
	    $(if $(NOTEBOOKS),--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS)) $(PYTEST_ARGS)

# ruff: the lint rules and the formatting of every Python file (pyproject.toml [tool.ruff]).
# `make format` rewrites the files ruff would change.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The end-to-end test alone: JupyterLab + Debian's chromium driven by Playwright.
test-browser: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests/test_browser.py -v

# Speed figures (not part of make test), run as modules from the repository's root (they
# import its tools package; no sys.path edit): check and explorer latency (~1 min), then
# quantize and kmeans-lab compress vs libimagequant and pngquant, 0.25 to 24 MP (~25 min),
# then the autograder's throughput (bench_autograde.py).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'  # imagequant (libimagequant); pngquant is Debian's
	MPLBACKEND=Agg $(BIN)/python -m benchmarks.bench_checks
	MPLBACKEND=Agg $(BIN)/python -m benchmarks.bench_explorer
	MPLBACKEND=Agg $(BIN)/python -m benchmarks.bench_quantize
	MPLBACKEND=Agg $(BIN)/python -m benchmarks.bench_quantize --corpus
	MPLBACKEND=Agg $(BIN)/python -m benchmarks.bench_autograde

# Re-execute the solution notebooks in place (after changing one, or what a check prints).
run-notebooks: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m tools.run_notebooks

# Regenerate the "< prev | Contents | next >" cells after adding or renaming a notebook
# (make test fails while they are stale).
nav: $(STAMP)
	$(BIN)/python -m tools.nav

# --- instructors (nbgrader; README "For instructors") ---
# Every instructor target works on COURSE (default: course/).
COURSE ?= course
# Regenerate notebooks/student/ from the solution notebooks (commit the result).
# GRADED=1: a graded release in $(COURSE)/release/ without the hints that give an answer.
release: $(STAMP)
	$(BIN)/python -m tools.release --course $(COURSE) $(if $(GRADED),--graded)

# Grade every submission in course/submitted/<student>/kmeans_lab/: each notebook in
# its own sandbox (bubblewrap), judged outside it, WORKERS at a time (default: cores).
autograde: $(STAMP)
	MPLBACKEND=Agg WORKERS=$(WORKERS) $(BIN)/python -m tools.autograde --course $(COURSE)

# course/grades.csv: one row per student and exercise, plus a total.
grades: $(STAMP)
	$(BIN)/python -m tools.grades --course $(COURSE)

# course/feedback/<student>/kmeans_lab/<notebook>.html
feedback: $(STAMP)
	$(BIN)/python -m tools.feedback --course $(COURSE)

# course/report/index.html: what the class got wrong (and its tables as CSV files).
report: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m tools.report --course $(COURSE)

# $(COURSE)/export/$(LMS).csv: the final grades in an LMS's import format, through $(COURSE)/roster.csv.
export: $(STAMP)
	@test -n "$(LMS)" || { echo "make export: say LMS=canvas, moodle, blackboard or gradescope"; exit 2; }
	$(BIN)/python -m tools.export --course $(COURSE) --lms $(LMS)

# Change one score by hand, with the reason (recorded in $(COURSE)/overrides.csv and the
# gradebook), then rewrite grades.csv, the feedback, the report and every export already written.
override: $(STAMP)
	$(BIN)/python -m tools.overrides --course $(COURSE) --student "$(STUDENT)" \
	    --exercise "$(EXERCISE)" --points "$(POINTS)" --why "$(WHY)"
	$(BIN)/python -m tools.grades --course $(COURSE)
	$(BIN)/python -m tools.feedback --course $(COURSE)
	MPLBACKEND=Agg $(BIN)/python -m tools.report --course $(COURSE)
	$(BIN)/python -m tools.export --course $(COURSE) --refresh

# Grade one student again with the current run, then merge, grades, feedback, report, exports.
regrade: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m tools.regrade --course $(COURSE) --student "$(STUDENT)"

# Judge the recorded answers of the current run again with the current checks (no notebook
# runs), then merge, grades, feedback, report and the exports already written; prints every score that changed.
rejudge: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m tools.rejudge --course $(COURSE)

# $(COURSE)/explain/<student>.html: everything about one student's grade, on one page.
explain: $(STAMP)
	$(BIN)/python -m tools.explain --course $(COURSE) --student "$(STUDENT)"

# A synthetic class of 30 from the catalogue of student solutions, graded in demo-class/
# (never course/), with its report: demo-class/report/index.html (~5 min).
demo-class: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m tools.demo_class

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts demo-class

# build/html/<notebook>.html: the solution notebooks exported with the course's
# contrast-safe nbconvert theme (tools/nbconvert_templates, WCAG 2.1 AA).
html: $(STAMP)
	$(BIN)/python -m tools.export_html
