"""What a saved model declares, and the checks that it fits this moderator: the model
format and its version, the library versions (``versions()``), and the scikit-learn that
pickled the pipeline. ``persistence`` writes and reads them; ``Model.pipeline`` checks
scikit-learn before unpickling.
"""

from __future__ import annotations

import platform

from ..errors import ModelError
from ..version import __version__

FORMAT = "moderator-model"
# 2: window combiner; 3: hashed n-grams; 4: scoring state without sklearn; 5: file not
# compressed, only the pickled pipeline inside it (loads in 0.03 s instead of 0.4 s);
# 6: the span selector (moderator.model.spans) learned with the model; 7: the context views
# (topic space, BM25 length, one has_context column, asks_under_question)
FORMAT_VERSION = 7
RETRAIN = "retrain with `python train.py`"


def sklearn_version() -> str:
    # from the installed distribution's metadata: `import sklearn` alone takes 0.8 s
    from importlib.metadata import version

    return version("scikit-learn")


def versions() -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "moderator_version": __version__,
        "sklearn_version": sklearn_version(),
        "python_version": platform.python_version(),
    }


def check_format(found: dict, where: str) -> None:
    """What scoring needs: this moderator's model format. The scoring state is numpy arrays
    and moderator's own classes, so the scikit-learn version does not matter here."""
    if found.get("format") != FORMAT:
        raise ModelError(f"{where} is not a moderator model; {RETRAIN}")
    if found.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{where} was saved in model format {found.get('format_version')!r}; this "
            f"moderator {__version__} reads format {FORMAT_VERSION}: {RETRAIN}"
        )


def check_sklearn(found: dict, where: str) -> None:
    """What the pickled scikit-learn pipeline needs: the scikit-learn that saved it
    (scikit-learn does not promise to unpickle estimators across versions)."""
    if found.get("sklearn_version") != sklearn_version():
        raise ModelError(
            f"{where} was saved with scikit-learn {found.get('sklearn_version')}; this is "
            f"scikit-learn {sklearn_version()}, which cannot restore its pipeline (scoring "
            f"does not need it): {RETRAIN}"
        )
