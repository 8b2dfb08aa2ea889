# The two commands of the quick start, and what they need. Everything is installed here, from
# Debian's packages, PyPI, the npm registry and Maven Central (Neo4j, on first start), nowhere else.
VENV   := .venv
STAMP  := $(VENV)/.installed
ASSETS := api/static/node_modules/.package-lock.json
AUDIT  := tests/http-audit/node_modules/.package-lock.json
NEO4J_GRAPHQL := bench/neo4j-graphql/node_modules/.package-lock.json

.PHONY: up test bench install system browser clean

up: install                      ## start Neo4j if needed, load seeds/, serve the API and Neo4j Browser
	$(VENV)/bin/cablegraph up

test: install browser $(AUDIT) $(NEO4J_GRAPHQL) ## lint, then every test against a real Neo4j started for the run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

bench: install $(NEO4J_GRAPHQL)  ## extraction quality on both evaluation sets, loading throughput and scale, query latency
	$(VENV)/bin/python -m bench.evaluate eval
	$(VENV)/bin/python -m bench.evaluate heldout
	$(VENV)/bin/python -m bench.throughput
	NEO4J_HEAP=2g NEO4J_PAGECACHE=4g $(VENV)/bin/python -m bench.load
	NEO4J_HEAP=2g NEO4J_PAGECACHE=4g $(VENV)/bin/python -m bench.latency --requests 100 --budget 5
	NEO4J_HEAP=2g NEO4J_PAGECACHE=4g $(VENV)/bin/python -m bench.overhead
	NEO4J_HEAP=2g NEO4J_PAGECACHE=4g $(VENV)/bin/python -m bench.overhead --size 100000

install: system $(STAMP) $(ASSETS)

system:                          ## Java 17+, Maven and npm, from Debian's packages when missing
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v python3 >/dev/null || missing="$$missing python3 python3-venv"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else echo "Please install:$$missing" >&2; exit 1; fi; \
	fi

browser:                         ## headless Chromium and its driver for the browser tests (Debian's packages)
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; \
	  else echo "Please install chromium and chromium-driver" >&2; exit 1; fi; \
	fi

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test,train]'
	touch $@

$(ASSETS): api/static/package.json api/static/package-lock.json
	npm ci --prefix api/static --no-audit --no-fund --ignore-scripts --loglevel=error

$(AUDIT): tests/http-audit/package.json tests/http-audit/package-lock.json
	npm ci --prefix tests/http-audit --no-audit --no-fund --ignore-scripts --loglevel=error

$(NEO4J_GRAPHQL): bench/neo4j-graphql/package.json bench/neo4j-graphql/package-lock.json
	npm ci --prefix bench/neo4j-graphql --no-audit --no-fund --ignore-scripts --loglevel=error

clean:                           ## remove the virtualenv and the installed browser assets
	rm -rf $(VENV) api/static/node_modules tests/http-audit/node_modules bench/neo4j-graphql/node_modules
