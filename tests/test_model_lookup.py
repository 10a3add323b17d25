"""Which model a command loads (``moderator.model.find_model``), and the shipped default
model found by an installed moderator from any directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import moderator
from moderator.errors import ModelError
from moderator.model import LOOKUP, card_path, find_model

PACKAGE = Path(moderator.__file__).resolve().parent
THREAD = "Bus lanes\n\nThe council approved the new bus lanes.\n\n1. You are an idiot.\n"


def _place(model: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, target)
    shutil.copy(card_path(model), card_path(target))
    return target


@pytest.fixture
def places(trained_model_path, tmp_path, monkeypatch):
    """The same small model at each place of the lookup, the current directory a fresh
    folder, ``$MODERATOR_MODEL`` unset and the shipped model in tmp_path."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("MODERATOR_MODEL", raising=False)
    shipped = tmp_path / "package" / "models" / "moderator.joblib"
    monkeypatch.setattr("moderator.model.persistence.SHIPPED_MODEL", shipped)
    return {
        "given": _place(trained_model_path, tmp_path / "given.joblib"),
        "env": _place(trained_model_path, tmp_path / "env.joblib"),
        "config": _place(trained_model_path, tmp_path / "config.joblib"),
        "local": _place(trained_model_path, work / "models" / "moderator.joblib"),
        "shipped": _place(trained_model_path, shipped),
    }


def test_lookup_order(places, monkeypatch):
    assert find_model() == Path("models/moderator.joblib")  # ./models before the shipped one
    monkeypatch.setenv("MODERATOR_MODEL", str(places["env"]))
    assert find_model(config=places["config"]) == places["env"]
    assert find_model(places["given"], places["config"]) == places["given"]
    monkeypatch.delenv("MODERATOR_MODEL")
    assert find_model(config=places["config"]) == places["config"]
    places["local"].unlink()
    assert find_model() == places["shipped"]
    assert moderator.load_model().attributes  # no argument: the shipped model
    assert LOOKUP == ("--model", "$MODERATOR_MODEL", "the policy file's `model`",
                      "./models/moderator.joblib", "the model shipped with moderator")


def test_an_empty_env_var_is_not_set(places, monkeypatch):
    monkeypatch.setenv("MODERATOR_MODEL", "")
    assert find_model() == Path("models/moderator.joblib")


@pytest.mark.parametrize("origin", ["--model", "$MODERATOR_MODEL", "the policy file's `model`"])
def test_a_given_path_that_is_missing_is_an_error_not_a_fallback(places, monkeypatch, tmp_path,
                                                                 origin):
    missing = tmp_path / "typo.joblib"
    given = {"--model": {"path": missing}, "the policy file's `model`": {"config": missing}}
    if origin == "$MODERATOR_MODEL":
        monkeypatch.setenv("MODERATOR_MODEL", str(missing))
    with pytest.raises(ModelError) as info:
        find_model(**given.get(origin, {}))
    assert str(info.value) == (
        f"no model at {missing} (from {origin}); train one with `python train.py`")


def test_nothing_found_says_what_was_looked_at(places):
    places["local"].unlink()
    places["shipped"].unlink()
    with pytest.raises(ModelError) as info:
        moderator.load_model()
    assert str(info.value) == (
        f"no model found: no --model, no $MODERATOR_MODEL, no `model` in a policy file, no "
        f"models/moderator.joblib in {Path.cwd()}, and no model shipped at {places['shipped']} "
        f"(a checkout builds it with `make model`); train one with `python train.py`"
    )


def test_cli_follows_the_lookup_and_says_what_was_looked_at(places, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from moderator.cli import main

    page = tmp_path / "thread.txt"
    page.write_text(THREAD, encoding="utf-8")
    config = tmp_path / "moderator.toml"
    config.write_text('model = "missing.joblib"\n', encoding="utf-8")
    runner = CliRunner()
    monkeypatch.setenv("MODERATOR_MODEL", str(places["env"]))
    # $MODERATOR_MODEL comes before the policy file's model (which does not exist)
    result = runner.invoke(main, ["score", str(page), "-o", "jsonl", "--config", str(config)])
    assert result.exit_code == 0, result.output
    monkeypatch.delenv("MODERATOR_MODEL")
    result = runner.invoke(main, ["score", str(page), "-o", "jsonl", "--config", str(config)])
    assert result.exit_code == 1
    assert result.output == (f"Error: no model at {tmp_path / 'missing.joblib'} (from the policy "
                             f"file's `model`); train one with `python train.py`\n")
    places["local"].unlink()
    places["shipped"].unlink()
    result = runner.invoke(main, ["export", str(page), "-o", str(tmp_path / "q.csv")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no model found: no --model, no $MODERATOR_MODEL")


def _package_copy(root: Path, model: Path | None) -> Path:
    """moderator as an installed copy (sources, compiled kernels, package data) under
    ``root``, with ``model`` at its shipped location: what a wheel installs."""
    target = root / "moderator"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.joblib",
                                                                  "*.card.json"))
    if model is not None:
        _place(model, target / "models" / "moderator.joblib")
    return root


def _run(args, cwd: Path, site: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MODERATOR_MODEL"}
    env["PYTHONPATH"] = str(site)
    code = ("import sys, moderator; from moderator.cli import main; "
            "sys.stderr.write(moderator.__file__ + '\\n'); main()")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_an_installed_copy_scores_with_its_shipped_model_from_any_directory(
        trained_model_path, tmp_path):
    site = _package_copy(tmp_path / "site", trained_model_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "thread.txt").write_text(THREAD, encoding="utf-8")
    done = _run(["score", "thread.txt", "-o", "jsonl"], elsewhere, site)
    assert done.returncode == 0, done.stderr
    loaded_from, summary = done.stderr.splitlines()
    assert Path(loaded_from).is_relative_to(site)  # the copy, not the checkout
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["text"] for row in rows] == ["You are an idiot."]
    assert set(rows[0]["scores"]) == set(moderator.load_model(trained_model_path).attributes)
    assert summary.startswith("1 comment, ")


def test_an_installed_copy_without_a_model_says_what_it_looked_at(tmp_path):
    site = _package_copy(tmp_path / "site", None)
    (tmp_path / "thread.txt").write_text(THREAD, encoding="utf-8")
    done = _run(["score", "thread.txt"], tmp_path, site)
    assert done.returncode == 1
    shipped = site / "moderator" / "models" / "moderator.joblib"
    assert done.stderr.splitlines()[1:] == [
        f"Error: no model found: no --model, no $MODERATOR_MODEL, no `model` in a policy file, "
        f"no models/moderator.joblib in {tmp_path}, and no model shipped at {shipped} (a "
        f"checkout builds it with `make model`); train one with `python train.py`"]


def test_the_installed_console_script_scores_from_another_directory(trained_model_path,
                                                                    tmp_path):
    script = Path(sys.executable).with_name("moderator")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    (tmp_path / "thread.txt").write_text(THREAD, encoding="utf-8")
    env = {**os.environ, "MODERATOR_MODEL": str(trained_model_path)}
    done = subprocess.run([str(script), "score", "thread.txt", "-o", "csv"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    header, row = done.stdout.splitlines()
    assert header.startswith("thread_id,id,parent_id,depth,position,author,timestamp,likes,"
                             "removed,text,score_toxicity")
    assert "You are an idiot." in row
    assert done.stderr.startswith("1 comment, ")


def test_the_package_data_is_declared():
    """A wheel carries the shipped model and its card (pyproject's package-data)."""
    import tomllib

    if not (PACKAGE.parents[1] / "pyproject.toml").is_file() or not shutil.which("git"):
        pytest.skip("not a checkout with git: nothing to check")
    pyproject = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text("utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["moderator"]
    assert {"models/*.joblib", "models/*.card.json"} <= set(data)
    ignored = subprocess.run(["git", "check-ignore", "-q", "src/moderator/models/x.joblib"],
                             cwd=PACKAGE.parents[1], check=False)
    assert ignored.returncode == 1  # not ignored: the shipped model is committed


def test_the_shipped_model_when_present_is_small_loads_and_scores():
    """The committed default model (``make model``): at most 25 MB for git, with its card,
    loading with no training (its load time is bench/speed.py's, section load)."""
    from moderator.model import SHIPPED_MODEL

    if not SHIPPED_MODEL.is_file():
        pytest.skip(f"no shipped model at {SHIPPED_MODEL} (`make model` builds it)")
    assert SHIPPED_MODEL.stat().st_size <= 25 * 2**20
    assert card_path(SHIPPED_MODEL).is_file()
    model = moderator.load_model(SHIPPED_MODEL)
    assert len(model.score_texts(["Thanks for the article."])) == 1
