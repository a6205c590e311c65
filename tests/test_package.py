"""The package as a user installs it: a wheel in a fresh environment, `quotasim init`,
then `quotasim reproduce` in the new project; and the citation metadata."""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_init_copies_every_experiment_and_figure_script(tmp_path, capsys):
    assert main(["init", str(tmp_path / "project")]) == 0
    copied = tmp_path / "project" / "experiments"
    for kind in ("*.toml", "*.csv"):  # the experiments, and the posterior they draw from
        assert sorted(p.name for p in copied.glob(kind)) == \
            sorted(p.name for p in (ROOT / "experiments").glob(kind))
    assert (copied / "posterior.csv").exists()
    assert sorted(p.name for p in (copied / "figures").glob("*.py")) == \
        sorted(p.name for p in (ROOT / "experiments" / "figures").glob("*.py")
               if p.name != "__init__.py")
    # a second init into the same folder overwrites nothing
    (copied / "demo.toml").write_text("# mine\n")
    assert main(["init", str(tmp_path / "project")]) == 2
    assert "already holds files" in capsys.readouterr().err
    assert (copied / "demo.toml").read_text() == "# mine\n"


def test_version_and_citation_agree():
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{sim.__version__}"' in citation or f"version: {sim.__version__}" in citation
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.slow
def test_an_installed_wheel_reproduces_the_demo_in_a_new_project(tmp_path):
    """Build the wheel, install it (without its dependencies, which this environment
    lends) into a fresh venv, make a project with `quotasim init`, reproduce the demo."""
    import shutil

    # build from a copy of the tracked files: the build leaves nothing in the checkout
    source = tmp_path / "source"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout.split()
    for name in tracked:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(wheels), str(source)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = wheels.glob("quotasim-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = Path(subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    # the dependencies come from this environment's site-packages, after the wheel's own
    (site / "lend.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, capture_output=True)
    quotasim = venv / "bin" / "quotasim"
    where = subprocess.run([venv / "bin" / "python", "-c", "import sim; print(sim.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(site))  # the installed copy, not the checkout

    project = tmp_path / "project"
    subprocess.run([quotasim, "init", str(project)], check=True, capture_output=True)
    done = subprocess.run([quotasim, "reproduce", "--only", "demo", "--executor", "serial"],
                          cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (project / "results" / "figures" / "demo.png").exists()
    assert (project / "results" / "data" / "demo" / "summary.csv").exists()
    assert "chunks" in (project / ".gitignore").read_text()
    again = subprocess.run([quotasim, "reproduce", "--only", "demo"], cwd=project,
                           capture_output=True, text=True, check=True)
    assert "demo: data are current" in again.stderr
