"""moderator: self-hosted, explainable moderation of comment threads.

Importing the package is cheap: the model and scikit-learn load only when asked for.

    >>> import moderator
    >>> threads = list(moderator.read_threads("examples/thread.txt"))   # doctest: +SKIP
    >>> model = moderator.load_model()                                  # doctest: +SKIP
    >>> model.score_thread(threads[0])                                  # doctest: +SKIP
"""

from __future__ import annotations

from .errors import ConfigError, LabelsError, ModelError, ModeratorError, ThreadFormatError
from .threads import Comment, ParseOptions, Thread, read_threads
from .version import __version__

__all__ = [
    "Comment",
    "ConfigError",
    "LabelsError",
    "ModelError",
    "ModeratorError",
    "ParseOptions",
    "Thread",
    "ThreadFormatError",
    "__version__",
    "load_model",
    "read_threads",
]


def load_model(path=None, config=None):
    """Load a trained model: ``path``, else ``$MODERATOR_MODEL``, ``config`` (a policy
    file's model path), ``./models/moderator.joblib``, the model shipped with moderator
    (``moderator.model.find_model``)."""
    from .model import load_model as _load_model

    return _load_model(path, config)
