"""Is there a built corpus at a root, one that ``datasets.load_dataset`` can read?

``train``, ``predict`` and ``benchmark`` read the corpus through
``load_dataset`` on the checkout. Pointed at a folder that is not one (run
outside a checkout without ``--root``), datasets answered, after seconds of
importing torch and the systems, with a traceback: ``BuilderConfig
'documents' not found. Available: ['default']`` or ``EmptyDatasetError``.
:func:`unbuilt` answers first, from README.md's front matter and the files it
names: no datasets, no torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nkworkers.loaders.corpus import Problem, missing_root

README = "README.md"
DEFAULT_CONFIG = "documents"
_FIX = "run it in a corpus checkout, or pass --root the checkout (after `nkworkers build`)"


def _configs(readme: Path) -> dict[str, list[str]] | None:
    """config name -> the data files README.md's front matter lists; None without a block."""
    try:
        text = readme.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---\n") or (end := text.find("\n---\n", 4)) == -1:
        return None
    try:
        front: Any = yaml.safe_load(text[4:end])
    except yaml.YAMLError:
        return None
    listed = front.get("configs") if isinstance(front, dict) else None
    found: dict[str, list[str]] = {}
    for config in listed if isinstance(listed, list) else []:
        if isinstance(config, dict) and isinstance(config.get("config_name"), str):
            files = config.get("data_files") or []
            found[config["config_name"]] = [
                f["path"] for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)
            ]
    return found


def unbuilt(root: Path) -> Problem | None:
    """Why ``root`` is not a built corpus checkout, or None when load_dataset can read it.

    A built checkout has README.md whose front matter lists the ``documents``
    config, and every data file the listed configs name exists. Reads the
    README and stats files only (milliseconds).
    """
    if (problem := missing_root(root)) is not None:
        return problem
    configs = _configs(root / README)
    if not configs or DEFAULT_CONFIG not in configs:
        what = "no README.md" if not (root / README).is_file() else "README.md lists no configs"
        return Problem(
            str(root.resolve()), "<root>", f"not a built nkworkers corpus checkout ({what})", _FIX
        )
    for paths in configs.values():
        for path in paths:
            if not (root / path).is_file():
                return Problem(
                    str(root / path), "<file>", "missing", f"run `nkworkers build` in {root}"
                )
    return None
