"""Train the default model: ``python train.py`` (same options as ``moderator train``)."""
