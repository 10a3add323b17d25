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
    """A real model trained once per session by moderator.model.training on labels_small.csv."""
    from moderator.labels import load_labels_csv
    from moderator.model import save_model
    from moderator.model.training import train

    path = tmp_path_factory.mktemp("model") / "small.joblib"
    save_model(train([load_labels_csv(FIXTURES / "labels_small.csv")], folds=3), path)
    return path



@pytest.fixture(scope="session")
def readme_session(tmp_path_factory):
    """The scratch checkout README.md's examples run in, with THE model they use
    (``readme_examples.readme_model``: $MODERATOR_MODEL, else the default model trained
    once from data/labels.csv by ``python train.py``)."""
    from readme_examples import Session, readme_model

    session = Session(tmp_path_factory.mktemp("readme"))
    readme_model(session)
    return session


@pytest.fixture(scope="session")
def default_model_path(readme_session) -> Path:
    """The default model (what `make model` builds), the one the README examples use."""
    return readme_session.model_path
