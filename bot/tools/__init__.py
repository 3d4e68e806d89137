"""The `bot` command and what it runs: evaluation, benchmarks, load tests, the common recipe."""
