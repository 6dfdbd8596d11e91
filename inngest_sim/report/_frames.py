"""The frames of a Python traceback, each marked with whose code it is.

Error cards show the user's frames first and fold the rest: an injected fault's
stack is all inngest-sim and SDK frames, and an error in a step body sits under
frames of the SDK, asyncio and inngest-sim. Whose a frame is comes from its path,
so a trace saved on another machine reads the same.
"""

from __future__ import annotations

import re

__all__ = ["FRAME_LIMIT", "frames", "owner"]

#: Frames kept per stack: the innermost, where the error was raised.
FRAME_LIMIT = 60
_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>.+)$')
_CARETS = re.compile(r"^\s*[\^~]+\s*$")
_SIM = re.compile(r"[/\\]inngest_sim[/\\]")
_SDK = re.compile(r"[/\\](site|dist)-packages[/\\]inngest[/\\]")
_LIBRARY = re.compile(r"[/\\](site|dist)-packages[/\\]")
_PYTHON = re.compile(r"[/\\]lib[/\\]python3(\.\d+)?[/\\]|^<frozen ")


def owner(path: str) -> str:
    """``sim``, ``sdk``, ``python`` (the standard library), ``library`` or ``user``."""
    if _SIM.search(path):
        return "sim"
    if _SDK.search(path):
        return "sdk"
    if _LIBRARY.search(path):
        return "library"
    if _PYTHON.search(path):
        return "python"
    return "user"


def frames(stack: str) -> list[dict[str, object]]:
    """``[{file, line, fn, code, who}, ...]``, outermost first, at most ``FRAME_LIMIT``."""
    found: list[dict[str, object]] = []
    lines = stack.splitlines()
    for i, line in enumerate(lines):
        match = _FRAME.match(line)
        if match is None:
            continue
        code = ""
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt.startswith("    ") and not _CARETS.match(nxt) and not _FRAME.match(nxt):
            code = nxt.strip()
        file = match["file"]
        found.append(
            {
                "file": file,
                "line": int(match["line"]),
                "fn": match["fn"],
                "code": code,
                "who": owner(file),
            }
        )
    return found[-FRAME_LIMIT:]
