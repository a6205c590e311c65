"""docs/api.md runs as it stands: its Python blocks, in order, in one namespace."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


def test_the_api_page_has_examples():
    assert len(blocks()) >= 5


@pytest.mark.slow
def test_the_api_examples_run(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace = {}
    for number, code in enumerate(blocks(), start=1):
        exec(compile(code, f"{DOC}, block {number}", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "russia-2021" in out or "sakhalin-dalian-2025" in out
