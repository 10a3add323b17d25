"""A site's flag policy in a TOML file (``moderator.toml``).

::

    model = "models/moderator.joblib"   # optional: the model to use

    [thresholds]                        # flag at or above these probabilities (0..1)
    toxicity = 0.6
    off_topic = 0.85

    [attributes]                        # switch attributes off (scores still shown)
    profanity = false

    [words]
    banned = ["buy followers"]          # always flag (reason "banned_word")
    allowed = ["Scunthorpe"]            # never count toward a score

Every problem is a ``ConfigError`` naming the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from .errors import ConfigError
from .review import Policy

TOP_LEVEL_KEYS = ("model", "thresholds", "attributes", "words")
WORD_KEYS = ("banned", "allowed")


def _table(data: dict, key: str, where: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: key {key!r} must be a table ([{key}]), not {_kind(value)}")
    return value


def _kind(value) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def check_threshold(value, where: str, key: str) -> float:
    """A threshold must be a number from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: key {key!r} must be a number from 0 to 1, not {_kind(value)}")
    if not 0.0 <= float(value) <= 1.0:
        raise ConfigError(f"{where}: key {key!r} must be from 0 to 1, got {value}")
    return float(value)


def load_policy(path: str | os.PathLike) -> Policy:
    """Read a ``moderator.toml`` into a Policy (``Policy.model_path`` from ``model``)."""
    where = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not valid TOML: not UTF-8 text") from None

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(
                f"{where}: unknown key {key!r}; expected one of {', '.join(TOP_LEVEL_KEYS)}"
            )

    policy = Policy()
    if "model" in data:
        if not isinstance(data["model"], str) or not data["model"]:
            raise ConfigError(f"{where}: key 'model' must be a path (a string)")
        model = Path(data["model"]).expanduser()
        if not model.is_absolute():
            # Relative to the config file, so a site's policy travels with its model.
            model = Path(path).resolve().parent / model
        policy.model_path = str(model)

    for attribute, value in _table(data, "thresholds", where).items():
        policy.thresholds[attribute] = check_threshold(
            value, where, f"thresholds.{attribute}"
        )

    for attribute, value in _table(data, "attributes", where).items():
        if not isinstance(value, bool):
            raise ConfigError(
                f"{where}: key 'attributes.{attribute}' must be true or false, not {_kind(value)}"
            )
        if not value:
            policy.disabled.add(attribute)

    words = _table(data, "words", where)
    for key, value in words.items():
        if key not in WORD_KEYS:
            raise ConfigError(
                f"{where}: unknown key 'words.{key}'; expected one of {', '.join(WORD_KEYS)}"
            )
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise ConfigError(f"{where}: key 'words.{key}' must be a list of strings")
        blank = [i for i, w in enumerate(value) if not w.strip()]
        if blank:
            raise ConfigError(f"{where}: key 'words.{key}' has an empty word (item {blank[0]})")
    policy.banned_words = [w.strip() for w in words.get("banned", [])]
    policy.allowed_words = [w.strip() for w in words.get("allowed", [])]
    policy.source = where
    return policy
