"""Files a command or a job writes for the user: whole, or not at all."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_serial = itertools.count()


def partial_path(target: Path) -> Path:
    """A name beside `target`, not yet taken, to write its new content under."""
    return target.with_name(f".{target.name}.{os.getpid()}-{next(_serial)}.partial")


@contextmanager
def written_whole(target: Path, partial: Path | None = None) -> Iterator[Path]:
    """The path (`partial`, by default a new `partial_path`) to write `target`'s content to in
    the block, moved onto `target` only once the block has finished. A write that fails or is
    interrupted (Ctrl-C, a full disk) leaves `target` as it was — absent, or the file before —
    never half a workbook that Excel calls damaged."""
    partial = partial or partial_path(target)
    try:
        yield partial
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
