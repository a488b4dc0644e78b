"""When an article was published, as the report buckets it: a year, and a month when given.

``published`` is whatever column ``tag`` carried through: ISO text
(``2023``, ``2023-05``, ``2023-05-03``, ``2023-05-03T10:00:00Z``, the text
pyarrow gives for a date or timestamp column), or a year as a number. A
value parquet stored as JSON text (``"\\"2023-05\\""``) is read through
JSON first. Anything else is unparseable, and the report says how many rows
and claims that leaves out, with examples.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from nkworkers.loaders.files import jsonio

_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?", re.S)
NONE, UNPARSEABLE = "none", "unparseable"


@lru_cache(maxsize=4096)
def period(value: str | None) -> tuple[int, int | None] | str:
    """(year, month or None), or why there is none: NONE (missing, empty) or UNPARSEABLE."""
    if value is None or not value.strip():
        return NONE
    text = value.strip()
    if text.startswith('"'):
        try:
            decoded = jsonio.loads(text)
        except jsonio.JsonError:
            return UNPARSEABLE
        return period(decoded) if isinstance(decoded, str) else UNPARSEABLE
    match = _ISO.fullmatch(text)
    if match is None:
        return UNPARSEABLE
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        date(year, month or 1, day or 1)  # a real month and day
    except ValueError:
        return UNPARSEABLE
    return year, month
