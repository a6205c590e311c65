"""The experiments (``*.toml``) behind the paper, installed with quotasim as the
package ``sim.experiments`` so that ``quotasim init`` can copy them (see sim/paths.py)."""
