"""Where things live: a project's experiments and results, and the copy shipped inside
the package. No other module builds these paths.

A project folder (this repository, or one made by ``quotasim init``) holds
``experiments/*.toml`` (one experiment each), ``experiments/figures/*.py`` (one figure
each) and ``results/`` (``data/<experiment>/``, ``figures/``, ``tables/``).
"""

from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """The folders of a project, relative to the working folder unless absolute."""

    experiments: Path = Path("experiments")
    results: Path = Path("results")

    @property
    def figure_scripts(self) -> Path:
        return self.experiments / "figures"

    @property
    def figures(self) -> Path:
        return self.results / "figures"

    @property
    def tables(self) -> Path:
        return self.results / "tables"

    @property
    def validation(self) -> Path:
        """``quotasim validate``'s table and figure."""
        return self.results / "validation"

    @property
    def posterior_check(self) -> Path:
        """``quotasim validate --posterior``'s, kept apart from the committed validation."""
        return self.results / "validation-posterior"

    @property
    def calibration(self) -> Path:
        """``quotasim calibrate``'s database, posterior and figures."""
        return self.results / "calibration"

    def discovery(self, name: str) -> Path:
        """``quotasim discover``'s boxes and figure for one experiment."""
        return self.results / "discovery" / name

    def data(self, name: str) -> Path:
        """The folder of one experiment's stored runs and tables."""
        return self.results / "data" / name


def shipped_experiments():
    """The experiments and figure scripts installed with the package (a Traversable):
    what ``quotasim init`` copies into a new project. pyproject.toml installs the
    repository's ``experiments/`` folder as the package ``sim.experiments``."""
    return resources.files("sim.experiments")
