"""Shared test fixtures. Tests that need ../shared skip cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the calling test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is not beside the repository)")
    return path


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def trained_model_path(tmp_path_factory) -> Path:
    """A real model trained once per session by moderator.training on labels_small.csv."""
    from moderator.model import save_model
    from moderator.training import load_labels_csv, train

    path = tmp_path_factory.mktemp("model") / "small.joblib"
    save_model(train([load_labels_csv(FIXTURES / "labels_small.csv")], folds=3), path)
    return path

