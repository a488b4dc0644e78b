"""Lines while a command works for seconds: what it starts, and what it finished in how long.

``train`` and ``predict`` spent 15 to 22 s without a word (importing torch and
the systems, loading the corpus, fitting). On a terminal each stage shows a
rich spinner with its elapsed time; elsewhere (a log file, a pipe) a plain
flushed line when it starts, as the benchmark logs. Either way a line says
when it ended and in how many seconds. Text is printed as it is, never read
as rich markup: a path holding ``[/x]`` once raised MarkupError.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.text import Text


class Stages:
    """Start and end lines of a command's stages, on stdout unless ``console`` says otherwise."""

    def __init__(self, console: Console | None = None, *, quiet: bool = False) -> None:
        self.console = console or Console()
        self.quiet = quiet

    def say(self, line: str) -> None:
        if not self.quiet:
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    @contextmanager
    def stage(self, doing: str, done: str) -> Iterator[None]:
        """Show ``doing`` while the block runs, then ``"{done} in N.N s"``.

        A block that raises prints no end line: the error is the caller's to say.
        """
        started = time.perf_counter()
        if self.quiet:
            yield
            return
        if self.console.is_terminal:
            with self.console.status(Text(doing)):
                yield
        else:
            self.say(f"{doing} ...")
            yield
        self.say(f"{done} in {time.perf_counter() - started:.1f} s")


QUIET = Stages(quiet=True)
