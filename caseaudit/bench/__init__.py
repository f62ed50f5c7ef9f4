"""`make bench`: benchmarks at county and national scale (see `run.py` and README.md)."""
