"""Tagging an archive with saved models.

The ``train`` and ``tag`` commands (cli.py), model folders (model_folder.py) and the
corpus they were trained on (corpus_note.py),
reading an archive (input.py), writing predictions and rejects (output.py),
and the two engines: one process (local.py) and Ray Data (ray_engine.py).
"""
