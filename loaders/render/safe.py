"""What corpus text may not do to a viewer page: become a live link or end the page's data.

Article texts, metadata and ids are data written by others; the viewer
embeds them in HTML. Two rules keep them data:

- Only http(s) URLs become links (:func:`link_url`); any other URL
  (``javascript:``, ``data:``, a scheme hidden behind a tab or a control
  character, a protocol-relative ``//host``) is shown as text.
- Data for the page's script travels as JSON inside
  ``<script type="application/json">`` with every ``<``, ``>``, ``&``, U+2028
  and U+2029 written as a ``\\uXXXX`` escape (:func:`embed_json`), so no
  string can close the element, open a comment (``<!--`` puts the HTML
  parser in a state where ``</script>`` no longer ends the element) or
  end a line in older script engines. The page reads it back with
  ``JSON.parse(element.textContent)``, which gives the same values.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_TABLE = str.maketrans(_ESCAPES)


def link_url(url: str | None) -> str | None:
    """``url`` when a browser will open it as an http(s) URL, else None.

    Browsers drop tabs and newlines anywhere in a URL and leading control
    characters and spaces, so "java\\tscript:" is ``javascript:``: a URL with
    any ASCII control character or space is refused rather than cleaned.
    """
    if not url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return None
    if not url.lower().startswith(("http://", "https://")):
        return None
    return url if urlsplit(url).netloc else None


def embed_json(value: Any) -> str:
    """JSON text safe as the content of a ``<script type="application/json">`` element.

    The five characters are escaped only inside JSON strings (JSON's own
    syntax never uses them), so ``JSON.parse`` returns ``value`` unchanged.
    """
    return json.dumps(value, ensure_ascii=False).translate(_TABLE)
