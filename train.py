"""Train the default model: ``python train.py`` = ``moderator train`` (same options).

    python train.py                      # data/labels.csv -> models/moderator.joblib
    python train.py --help
"""

from __future__ import annotations


def main() -> None:
    import sys

    from moderator.cli import main as cli

    cli(["train", *sys.argv[1:]], prog_name="python train.py")


if __name__ == "__main__":
    main()
