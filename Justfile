# just test | just lint | just bench — the same checks CI runs (.ci/run), from a checkout

# every test (PostgreSQL tests skip where no server answers on 127.0.0.1:5432)
test *args:
    pytest {{args}}

# lint, formatting, types and the import contracts
lint:
    ruff check .
    ruff format --check .
    mypy
    lint-imports

# the quick benchmarks: extraction accuracy, the end-to-end crawl, requests of a recrawl, clustering quality
bench:
    python benchmarks/extract_accuracy.py
    python benchmarks/crawl_e2e.py --posts 200
    python benchmarks/recrawl_requests.py
    python benchmarks/cluster_quality.py --seed 1

# install for development, with the git hooks
setup:
    pip install -e '.[dev]'
    pre-commit install
