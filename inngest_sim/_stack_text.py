"""A Python traceback's text without inngest-sim's own frames.

An injected fault is raised by the simulator's fault layer, under the step probe, so the
stack the SDK reports for it is all inngest-sim frames (and ``contextlib``'s, which carry
them): nothing a user can act on. Failure messages show the stack without them; the frames
of the user's code, the SDK's and other libraries' stay. Frames are recognised by their
path, so a trace saved on another machine reads the same.
"""

from __future__ import annotations

import re

__all__ = ["without_library_frames"]

_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line \d+, in .+$')
_OURS = re.compile(r"[/\\]inngest_sim[/\\]|[/\\]contextlib\.py$")


def without_library_frames(stack: str) -> tuple[list[str], bool]:
    """The stack's lines without inngest-sim's frames, and whether any were dropped.

    When every frame was dropped, the ``Traceback`` header goes too: what is left is
    the exception's own lines.
    """
    kept: list[str] = []
    frames = dropped = 0
    skipping = False
    for line in stack.splitlines():
        match = _FRAME.match(line)
        if match is not None:
            frames += 1
            skipping = bool(_OURS.search(match["file"]))
            dropped += skipping
        elif not line.startswith("    "):
            skipping = False  # the exception's lines (or a chained traceback's header)
        if not skipping:
            kept.append(line)
    if frames and dropped == frames:
        kept = [line for line in kept if not line.startswith("Traceback (most recent call last)")]
    return kept, dropped > 0
