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

    [serve]                             # `moderator serve` only
    api_keys = ["a-long-random-key"]    # clients send ?key= or X-Goog-Api-Key
    requests_per_minute = 600           # per key; more is 429 RESOURCE_EXHAUSTED

Every problem is a ``ConfigError`` naming the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .review import Policy

TOP_LEVEL_KEYS = ("model", "thresholds", "attributes", "words", "serve")
WORD_KEYS = ("banned", "allowed")
SERVE_KEYS = ("api_keys", "requests_per_minute")


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


def _read(path: str | os.PathLike) -> dict:
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
    return data


@dataclass
class ServeSettings:
    """The ``[serve]`` table: API keys and the per-key rate limit (None: unlimited)."""

    api_keys: list[str] = field(default_factory=list)
    requests_per_minute: int | None = None


def _serve_settings(data: dict, where: str) -> ServeSettings:
    table = _table(data, "serve", where)
    for key in table:
        if key not in SERVE_KEYS:
            raise ConfigError(
                f"{where}: unknown key 'serve.{key}'; expected one of {', '.join(SERVE_KEYS)}"
            )
    keys = table.get("api_keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ConfigError(f"{where}: key 'serve.api_keys' must be a list of strings")
    for i, key in enumerate(keys):
        if len(key.strip()) < 16 or key != key.strip():
            raise ConfigError(f"{where}: key 'serve.api_keys' item {i} must be 16 characters "
                              f"or more, without spaces around it (a long random string)")
    rate = table.get("requests_per_minute")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate < 1):
        raise ConfigError(f"{where}: key 'serve.requests_per_minute' must be a whole number, "
                          f"1 or more, not {_kind(rate) if not isinstance(rate, int) else rate}")
    return ServeSettings(api_keys=list(keys), requests_per_minute=rate)


def load_serve_settings(path: str | os.PathLike | None) -> ServeSettings:
    """The ``[serve]`` table of a ``moderator.toml`` (defaults without a file)."""
    if path is None:
        return ServeSettings()
    return _serve_settings(_read(path), str(path))


def load_policy(path: str | os.PathLike) -> Policy:
    """Read a ``moderator.toml`` into a Policy (``Policy.model_path`` from ``model``)."""
    where = str(path)
    data = _read(path)
    _serve_settings(data, where)  # checked here too: one bad key stops every command

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
