"""The README's Python API example runs as written (on a real model trained for the tests)."""

from __future__ import annotations

import contextlib
import io
import re
import shutil

import pytest

import moderator
from conftest import REPO

HEADING = "### Python API"


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert HEADING in text, f"README.md has no {HEADING!r} section"
    section = text.split(HEADING, 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no ```python block under {HEADING!r}"
    return match.group(1)


@pytest.mark.slow
def test_readme_python_example_runs(trained_model_path, tmp_path, monkeypatch):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    real_load = moderator.load_model
    # The example loads the default model (the shipped one, built by `make model`);
    # the suite uses its own small trained model instead.
    monkeypatch.setattr(moderator, "load_model",
                        lambda path=None, config=None: real_load(trained_model_path))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(readme_example(), "README.md", "exec"), {"__name__": "readme"})
    printed = out.getvalue()
    assert re.search(r"^\d+ of 8 comments flagged", printed, re.M), printed
    assert re.search(r"^wrote \d+ rows to queue\.csv", printed, re.M), printed
    queue = (tmp_path / "queue.csv").read_text(encoding="utf-8")
    assert queue.startswith("decision,max_score,why,")
