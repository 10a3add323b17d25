"""Which model file, and saving and loading it with its card.

On disk: ``<name>.joblib`` and its card ``<name>.card.json`` beside it. The card records the
format version, library versions (``formats``) and the model file's SHA-256; ``load_model``
checks the format and the hash before unpickling anything. Scoring reads plain numpy arrays
only, so a model keeps working under another scikit-learn; ``Model.pipeline`` (retraining,
estimator checks) checks the scikit-learn version it was saved with.

Which file: ``find_model`` (see ``LOOKUP``), the one rule every command and
``load_model()`` follow; the default model ships inside the package (``SHIPPED_MODEL``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import ModelError
from ..files import atomic_write, file_sha256
from ..language import ENGLISH
from .formats import RETRAIN, check_format, versions
from .scoring import Model

MODEL_ENV = "MODERATOR_MODEL"
#: A model trained here: ``python train.py`` writes it, relative to the current directory.
LOCAL_MODEL = Path("models") / "moderator.joblib"
#: The default model, package data (``make model`` writes it): found by an installed
#: ``moderator`` from any directory.
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "models" / "moderator.joblib"
#: Where ``find_model`` looks, in order (for messages and the README).
LOOKUP = ("--model", f"${MODEL_ENV}", "the policy file's `model`", f"./{LOCAL_MODEL.as_posix()}",
          "the model shipped with moderator")
LANGUAGE_NOTE = ("English only: trained on English comments. Comments in another language "
                 "(identified with pycld2) are not judged: their language is reported, their "
                 "scores are empty and the model does not flag them.")
TRAIN_ONE = "train one with `python train.py`"


def card_path(model_path: str | Path) -> Path:
    """``models/moderator.joblib`` -> ``models/moderator.card.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".card.json")


def find_model(path: str | Path | None = None, config: str | Path | None = None) -> Path:
    """The model file to load, by the first of ``LOOKUP`` that applies: ``path`` (the
    command's ``--model``), ``$MODERATOR_MODEL``, ``config`` (the policy file's ``model``),
    ``./models/moderator.joblib`` if it exists, the shipped model if it exists.

    A path that is given (the first three) must exist: a typo is an error, not a silent
    fall back to another model. ``ModelError`` says what was looked at."""
    for given, origin in ((path, "--model"), (os.environ.get(MODEL_ENV), f"${MODEL_ENV}"),
                          (config, "the policy file's `model`")):
        if given:
            given = Path(given)
            if not given.is_file():
                raise ModelError(f"no model at {given} (from {origin}); {TRAIN_ONE}")
            return given
    for candidate in (LOCAL_MODEL, SHIPPED_MODEL):
        if candidate.is_file():
            return candidate
    raise ModelError(
        f"no model found: no --model, no ${MODEL_ENV}, no `model` in a policy file, no "
        f"{LOCAL_MODEL} in {Path.cwd()}, and no model shipped at {SHIPPED_MODEL} "
        f"(a checkout builds it with `make model`); {TRAIN_ONE}"
    )


def save_model(model: Model, path: str | Path) -> Path:
    import joblib

    path = Path(path)
    payload = {**versions(), "model": model}
    # not compressed: the big pickled pipeline is compressed inside (Model.__getstate__)
    atomic_write(path, lambda handle: joblib.dump(payload, handle))
    card = {**model.card, **versions()}
    # what the model reads: others are not judged (moderator.language)
    card.setdefault("languages", [ENGLISH])
    card.setdefault("language_note", LANGUAGE_NOTE)
    card["attributes"] = model.attributes
    card["thresholds"] = model.thresholds
    card["flagged_by_default"] = [a for a in model.attributes if a not in model.unflagged]
    card["model_file"] = path.name
    card["model_sha256"] = file_sha256(path)
    model.card = card
    target = card_path(path)
    text = json.dumps(card, indent=2, sort_keys=False) + "\n"
    atomic_write(target, lambda handle: handle.write(text.encode("utf-8")))
    return target


def load_model(path: str | Path | None = None, config: str | Path | None = None) -> Model:
    """Load the model ``find_model(path, config)`` names (no argument: the default one).

    Checks, before unpickling: the card beside it exists, has this model format, and its
    SHA-256 matches the file. Any failure is a ``ModelError``.
    """
    path = find_model(path, config)
    card_file = card_path(path)
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: its model card {card_file} is missing; {RETRAIN}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_file}: unreadable model card ({exc}); {RETRAIN}") from None
    if not isinstance(card, dict):
        raise ModelError(f"{card_file}: not a model card; {RETRAIN}")
    check_format(card, str(path))
    try:
        digest = file_sha256(path)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read model ({exc.strerror or exc})") from None
    if digest != card.get("model_sha256"):
        raise ModelError(
            f"{path}: SHA-256 {digest[:12]}… does not match its card {card_file} "
            f"({str(card.get('model_sha256'))[:12]}…); refusing to load a model that was "
            f"changed after training; {RETRAIN}"
        )
    import joblib

    # The payload holds numpy arrays and plain classes only (the scikit-learn pipeline is
    # kept as bytes inside the Model), so this does not import scikit-learn.
    try:
        payload = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means an unusable file
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}: {exc}); "
                         f"{RETRAIN}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("model"), Model):
        raise ModelError(f"{path} is not a moderator model; {RETRAIN}")
    check_format(payload, str(path))
    model = payload["model"]
    model.card = card
    return model
