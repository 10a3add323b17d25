"""README.md is tested: every ```console block's commands are run against the current code
and must print what the block shows (``tests/readme_examples.py``; ``make readme`` rewrites
the shown outputs). The runner itself is tested here on small documents of our own."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO
from readme_examples import (
    README,
    Block,
    Outcome,
    Session,
    console_blocks,
    mask,
    read_blocks,
    rewrite,
    run_all,
)

TEXT = README.read_text(encoding="utf-8")  # the text the tests were collected from
BLOCKS = console_blocks(TEXT)


@pytest.fixture(scope="session")
def readme_outcomes(readme_session):
    outcomes = run_all(readme_session, TEXT)
    return {outcome.block.start: outcome for outcome in outcomes}


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[f"line{b.start + 1}" for b in BLOCKS])
def test_readme_example_prints_what_it_shows(readme_outcomes, block):
    outcome = readme_outcomes[block.start]
    if outcome.actual is None:
        pytest.skip(f"{block.name}: {outcome.reason}")
    assert outcome.matches, (
        f"{block.name}: the shown output is not what the commands print now; if the new "
        f"output is right, run `make readme`\n{outcome.diff()}")


@pytest.mark.slow
def test_readme_examples_write_only_what_gitignore_covers(readme_outcomes, readme_session):
    """Run in a checkout, the examples leave no untracked file behind (issue 17 item 8)."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    written = readme_session.written_files()
    assert "queue.csv" in written and "report.html" in written
    checked = subprocess.run(["git", "check-ignore", "--no-index", *written], cwd=REPO,
                             capture_output=True, text=True, check=False)
    assert sorted(checked.stdout.split()) == written


# --- the runner --------------------------------------------------------------------------

DOCUMENT = """# Title

## Section one

```sh
not run
```

<!-- readme: mask timings -->
```console
$ echo "took 0.5 s, 81 comments/s" && echo second
took 9.9 s, 1,234 comments/s
second
$ echo one \\
    two | wc -w
2
```

<!-- readme: file hello.py -->
```python
print("hello from", __name__)
```

## Section two

```console
$ python hello.py; false
hello from __main__
$ echo $?
0
$ ls
```

<!-- readme: needs no/such/path -->
```console
$ echo skipped
nothing
```
"""


def test_blocks_their_headings_directives_and_commands():
    blocks = read_blocks(DOCUMENT)
    assert [(b.lang, b.heading) for b in blocks] == [
        ("sh", "Section one"), ("console", "Section one"), ("python", "Section one"),
        ("console", "Section two"), ("console", "Section two")]
    timed, python, second, skipped = blocks[1:]
    assert timed.directives == {"mask": "timings"} and timed.name == (
        "README.md line 10 (Section one)")
    assert timed.commands() == ['echo "took 0.5 s, 81 comments/s" && echo second',
                                "echo one \\\n    two | wc -w"]
    assert python.directives == {"file": "hello.py"}
    assert second.commands() == ["python hello.py; false", "echo $?", "ls"]
    assert skipped.directives == {"needs": "no/such/path"}


def test_masking_hides_durations_and_rates_only():
    block = Block("console", 0, 1, [], "x", {"mask": "timings"})
    assert mask("3 files, 0.5 s, [42.6s], 1,234 comments/s, 7 rows", block) == (
        "3 files, # s, [#s], # comments/s, 7 rows")
    plain = Block("console", 0, 1, [], "x")
    assert mask("0.5 s", plain) == "0.5 s"


def test_run_compare_and_rewrite(tmp_path):
    session = Session(tmp_path)
    outcomes = run_all(session, DOCUMENT)
    timed, second, skipped = outcomes
    # the timings differ, masked: equal
    assert timed.actual == ('$ echo "took 0.5 s, 81 comments/s" && echo second\n'
                            "took 0.5 s, 81 comments/s\nsecond\n"
                            "$ echo one \\\n    two | wc -w\n2")
    assert timed.matches
    # a block's commands share one shell: $? is the previous command's status
    assert second.actual == ("$ python hello.py; false\nhello from __main__\n$ echo $?\n1\n"
                             "$ ls\ndata\nexamples\nhello.py\ntrain.py")
    assert not second.matches
    assert "README.md line 26 (Section two), shown" in second.diff()
    assert "-0\n+1\n" in second.diff()
    assert skipped.actual is None and skipped.matches and skipped.reason == (
        "no/such/path is absent")
    assert session.written_files() == []  # hello.py came from a directive
    new = rewrite(DOCUMENT, outcomes)
    # only the differing block changes: the masked one keeps its shown figures
    assert "took 9.9 s, 1,234 comments/s" in new
    assert "$ echo $?\n1\n$ ls\ndata\nexamples\nhello.py\ntrain.py\n```" in new
    assert all(o.matches for o in run_all(Session(tmp_path / "again"), new))


def test_check_mode_exits_1_and_names_the_block(tmp_path, monkeypatch):
    """``python -m tests.readme_examples`` on a README whose block drifted."""
    import readme_examples

    readme = tmp_path / "README.md"
    readme.write_text("## Drift\n\n```console\n$ echo now\nthen\n```\n", encoding="utf-8")
    monkeypatch.setattr(readme_examples, "README", readme)
    monkeypatch.setattr(readme_examples, "readme_model", lambda session: None)
    assert readme_examples.main([]) == 1
    assert readme_examples.main(["--update"]) == 0
    assert readme.read_text(encoding="utf-8") == "## Drift\n\n```console\n$ echo now\nnow\n```\n"
    assert readme_examples.main([]) == 0


def test_outcome_of_a_skipped_block_matches():
    assert Outcome(Block("console", 0, 1, ["$ x"], "h"), None, "absent").matches


def test_module_runs_as_a_script_with_help():
    done = subprocess.run([sys.executable, "-m", "tests.readme_examples", "--help"], cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "--update" in done.stdout


def test_a_command_the_setup_ran_is_not_run_again(tmp_path):
    """`python train.py` trained the model: its block is given that run's output."""
    session = Session(tmp_path)
    session.already_run["python train.py"] = "trained in 1.0s\n"
    [outcome] = run_all(session, "```console\n$ python train.py\ntrained in 1.0s\n```\n")
    assert outcome.actual == "$ python train.py\ntrained in 1.0s" and outcome.matches
    assert session.written_files() == []  # nothing ran
