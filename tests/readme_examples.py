"""README.md's console examples, run against the current code (the sqlite-utils idea: the
shown outputs are generated, and a test fails when they drift).

    python -m tests.readme_examples            # check: print each differing block, exit 1
    python -m tests.readme_examples --update   # rerun every block, rewrite its shown output
    make readme                                # the same as --update

Every ```console block of README.md is a transcript: ``$ `` lines are commands (a line ending
in ``\\`` continues on the next), the lines after a command are what it prints, stdout and
stderr together as a terminal shows them. The blocks run in document order, each as one bash
script, in one scratch folder laid out like a checkout (``examples/`` and ``train.py``
copied, ``data/`` linked, ``../shared`` linked when it is beside the repository), so a block
sees the files an earlier one wrote (``queue.csv``) and nothing is written into the checkout.
The environment is fixed: ``COLUMNS=120`` (tables are as wide as on a 120-column terminal),
``PYTHONUNBUFFERED=1``, stdout not a terminal (so write ``--output table`` where a table is
shown), this Python's ``bin`` folder first on ``PATH`` (``moderator`` and ``python`` are the
ones under test) and ``MODERATOR_MODEL`` set to the model ``readme_model`` picks.

The model: ``readme_model`` is the one place that decides which model the examples use.
``$MODERATOR_MODEL`` when set; otherwise the default model is trained from data/labels.csv
with ``python train.py`` in the scratch folder (as ``make demo`` does), once per run, and the
block that shows ``$ python train.py`` is given that run's output instead of training twice.

Directives, an HTML comment (invisible on GitHub) on the line just before a block:

    <!-- readme: mask timings -->       durations and rates in this block's output (``0.5 s``,
                                        ``[42.6s]``, ``81 comments/s``) are not compared;
                                        ``--update`` still writes the measured values
    <!-- readme: needs ../shared/data/jigsaw -->
                                        skip the block when that path (relative to the
                                        repository) is absent; ``--update`` leaves it as is
    <!-- readme: file example.py -->    (before a ```python block) write the block to
                                        example.py in the scratch folder, for a later
                                        ``$ python example.py``
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
COLUMNS = 120
TRAIN_COMMAND = "python train.py"

_DIRECTIVE = re.compile(r"^<!--\s*readme:\s*(?P<body>.*?)\s*-->\s*$")
_FENCE = re.compile(r"^```(?P<lang>\S*)\s*$")
# numbers of a duration or a rate: "0.5 s", "42.6s", "81 comments/s", "1,234 rows/s"
_TIMINGS = re.compile(r"\d[\d,]*(?:\.\d+)?(?=\s?s\b|\s\w+/s\b)")
_SEPARATOR = "@@readme-example-separator@@"


@dataclass
class Block:
    """One fenced block of README.md: where it is, what it says, what it asks for."""

    lang: str
    start: int  # index of the opening fence line
    end: int  # index of the closing fence line
    lines: list[str]
    heading: str
    directives: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"README.md line {self.start + 1} ({self.heading})"

    def commands(self) -> list[str]:
        """The block's commands, continuation lines joined with their newline."""
        commands: list[str] = []
        continuing = False
        for line in self.lines:
            if continuing:
                commands[-1] += "\n" + line
            elif line.startswith("$ "):
                commands.append(line[2:])
            else:
                continue
            continuing = line.endswith("\\")
        return commands


def read_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with the heading it is under."""
    lines = text.split("\n")
    blocks: list[Block] = []
    heading = "top"
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        fence = _FENCE.match(line)
        if fence:
            end = index + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            directives = {}
            before = index - 1
            while before >= 0 and _DIRECTIVE.match(lines[before]):
                word, _, value = _DIRECTIVE.match(lines[before])["body"].partition(" ")
                directives[word] = value.strip()
                before -= 1
            blocks.append(Block(fence["lang"], index, end, lines[index + 1:end], heading,
                                directives))
            index = end
        index += 1
    return blocks


def console_blocks(text: str) -> list[Block]:
    return [block for block in read_blocks(text) if block.lang == "console"]


def mask(text: str, block: Block) -> str:
    """The text as compared: a block marked ``mask timings`` with its timings as ``#``."""
    if block.directives.get("mask") == "timings":
        return _TIMINGS.sub("#", text)
    return text


class Session:
    """The scratch folder the blocks run in, the environment, and what already ran there."""

    def __init__(self, base: Path):
        self.base = Path(base)
        self.root = self.base / "moderator"
        self.root.mkdir(parents=True)
        shutil.copytree(REPO / "examples", self.root / "examples")
        shutil.copy2(REPO / "train.py", self.root / "train.py")
        (self.root / "data").symlink_to(REPO / "data", target_is_directory=True)
        shared = REPO.parent / "shared"
        if shared.exists():
            (self.base / "shared").symlink_to(shared, target_is_directory=True)
        self.env = dict(os.environ)
        self.env.update({
            "COLUMNS": str(COLUMNS),
            "LINES": "50",
            "PYTHONUNBUFFERED": "1",
            "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                     self.env.get("PATH", "")]),
        })
        self.env.pop("MODERATOR_MODEL", None)
        self.already_run: dict[str, str] = {}
        self.setup_files: set[str] = {"train.py"}
        self.model_path: Path | None = None

    def use_model(self, path: Path) -> None:
        self.env["MODERATOR_MODEL"] = str(path)

    def written_files(self) -> list[str]:
        """Files the blocks made in the scratch folder (not the copied examples, not the
        files directives wrote), relative to it."""
        found = []
        for path in self.root.rglob("*"):
            relative = path.relative_to(self.root).as_posix()
            if path.is_file() and not relative.startswith(("data/", "examples/")) \
                    and relative not in self.setup_files:
                found.append(relative)
        return sorted(found)

    def run_block(self, block: Block) -> str:
        """The block's transcript as the commands print it now."""
        commands = block.commands()
        if len(commands) == 1 and commands[0] in self.already_run:
            return f"$ {commands[0]}\n{self.already_run[commands[0]]}".rstrip("\n")
        script = ["exec 2>&1"]
        for command in commands:
            # the separator keeps $? for the next command (`$ echo $?` shows the last status)
            script += [f"_status=$?; echo {_SEPARATOR}; (exit $_status)", command]
        done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=self.root, env=self.env,
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                              encoding="utf-8", check=False)
        outputs = done.stdout.split(_SEPARATOR + "\n")[1:]
        parts = []
        for command, output in zip(commands, outputs, strict=True):
            parts.append(f"$ {command}\n{output}".rstrip("\n"))
        return "\n".join(parts)

    def write_file(self, name: str, text: str) -> None:
        (self.root / name).write_text(text, encoding="utf-8")
        self.setup_files.add(name)


def readme_model(session: Session) -> Path:
    """THE model every README example runs with: ``$MODERATOR_MODEL`` if set, else the
    shipped default model (what a user gets), else — a checkout without it — one trained
    from data/labels.csv by ``python train.py``."""
    from moderator.model import SHIPPED_MODEL

    chosen = os.environ.get("MODERATOR_MODEL")
    if chosen:
        path = Path(chosen).resolve()
    elif SHIPPED_MODEL.is_file():
        path = SHIPPED_MODEL
    else:
        done = subprocess.run(TRAIN_COMMAND.split(), cwd=session.root, env=session.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{TRAIN_COMMAND} failed:\n{done.stdout}")
        session.already_run[TRAIN_COMMAND] = done.stdout
        path = session.root / "models" / "moderator.joblib"
        session.setup_files.update({"models/moderator.joblib", "models/moderator.card.json"})
    session.use_model(path)
    session.model_path = path
    return path


@dataclass
class Outcome:
    block: Block
    actual: str | None  # None: skipped
    reason: str = ""

    @property
    def shown(self) -> str:
        return "\n".join(self.block.lines)

    @property
    def matches(self) -> bool:
        return self.actual is None or mask(self.actual, self.block) == mask(self.shown,
                                                                             self.block)

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            (self.shown + "\n").splitlines(True), (self.actual + "\n").splitlines(True),
            f"{self.block.name}, shown", f"{self.block.name}, as run now"))


def run_all(session: Session, text: str) -> list[Outcome]:
    """Every console block of ``text`` run in order; ``python`` blocks with a ``file``
    directive written where the later blocks expect them."""
    outcomes = []
    for block in read_blocks(text):
        if block.lang == "python" and "file" in block.directives:
            session.write_file(block.directives["file"], "\n".join(block.lines) + "\n")
        if block.lang != "console":
            continue
        needs = block.directives.get("needs")
        if needs and not (REPO / needs).exists():
            outcomes.append(Outcome(block, None, f"{needs} is absent"))
            continue
        outcomes.append(Outcome(block, session.run_block(block)))
    return outcomes


def rewrite(text: str, outcomes: list[Outcome]) -> str:
    """``text`` with each run block's shown output replaced by what it printed."""
    lines = text.split("\n")
    for outcome in sorted(outcomes, key=lambda o: -o.block.start):
        if not outcome.matches:  # a block equal but for masked timings keeps its figures
            lines[outcome.block.start + 1:outcome.block.end] = outcome.actual.split("\n")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.readme_examples",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true",
                        help="rewrite README.md's shown outputs with what the commands print")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="readme-") as base:
        session = Session(Path(base))
        print(f"model: {readme_model(session)}", file=sys.stderr)
        outcomes = run_all(session, text)
    for outcome in outcomes:
        if outcome.actual is None:
            print(f"skipped {outcome.block.name}: {outcome.reason}", file=sys.stderr)
    differing = [o for o in outcomes if not o.matches]
    if args.update:
        new = rewrite(text, outcomes)
        if new != text:
            temporary = README.with_name(README.name + ".tmp")
            temporary.write_text(new, encoding="utf-8")
            temporary.replace(README)
        print(f"README.md: {len(outcomes)} console blocks run, {len(differing)} rewritten",
              file=sys.stderr)
        return 0
    for outcome in differing:
        print(outcome.diff())
    print(f"README.md: {len(outcomes)} console blocks, {len(differing)} differ", file=sys.stderr)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
