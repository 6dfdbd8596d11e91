"""Top-level pytest configuration shared by every test directory, and ``paste``.

``paste`` runs printed code as a user would after pasting it into a file: in a
fresh namespace that imports nothing for it, under a file name whose lines
``linecache`` knows (as for a real file), so ``inspect`` finds the source of the
lambdas and functions it defines and reprinting what it builds reads the same
source. The namespace's module name is not importable, like a pasted snippet's.
Tests import it with ``from conftest import paste``: pytest registers this module
as ``conftest`` in every session, whereas ``tests`` may name the product's test
package (``product/tests``) in a whole-suite run.
"""

from __future__ import annotations

import ast
import asyncio
import itertools
import linecache
import os
from typing import Any

# The plugin's own tests run inner pytest sessions; pytest accepts this only here.
pytest_plugins = ["pytester"]

# The SDK picks dev mode from the environment when a client does not say; tests
# must never talk to a real Inngest server, so make dev mode the default.
os.environ.setdefault("INNGEST_DEV", "1")


_COUNT = itertools.count(1)


def paste(code: str, *, top_level_await: bool = False, **names: Any) -> dict[str, Any]:
    """Run ``code`` in a fresh namespace (holding only ``names``) and return the namespace.

    With ``top_level_await``, ``code`` may ``await`` at the top, as in a notebook or an
    ``async`` test body, and runs on a fresh event loop.
    """
    filename = f"pasted_{next(_COUNT)}.py"
    lines = code.splitlines(keepends=True)
    linecache.cache[filename] = (len(code), None, lines, filename)
    namespace: dict[str, Any] = {"__name__": filename.removesuffix(".py"), **names}
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if top_level_await else 0
    # dont_inherit: the code gets none of this module's `from __future__` imports.
    compiled = compile(code, filename, "exec", flags=flags, dont_inherit=True)
    result = eval(compiled, namespace)  # exec, or a coroutine with top-level await
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    return namespace
