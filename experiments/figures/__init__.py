"""One script per figure: ``plot(results) -> Figure`` (see sim/reproduce.py)."""
