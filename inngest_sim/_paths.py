"""Output paths of the command line, checked before anything runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim._errors import InvalidArgument

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["writable"]


def writable(path: Path, flag: str) -> Path:
    """``path`` if a file can be written there (its folder made), else one clear error."""
    if path.is_dir():
        raise InvalidArgument(
            f"{flag} {path}: is a directory; give a file path such as {path / 'out'}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (NotADirectoryError, FileExistsError):
        raise InvalidArgument(f"{flag} {path}: a parent of it is a file, not a directory") from None
    except OSError as exc:
        raise InvalidArgument(f"{flag} {path}: cannot create its folder ({exc.strerror})") from None
    return path
