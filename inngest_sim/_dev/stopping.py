"""uvicorn's server, stopped by SIGINT or SIGTERM without dying by the signal."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["CleanStopServer"]


class CleanStopServer(uvicorn.Server):
    """Stops on SIGINT or SIGTERM and returns, so ``inngest-sim dev`` exits 0.

    uvicorn raises the signal again once it has shut down (so that a process embedding
    it dies by the signal, exit -15); a dev server asked to stop has stopped cleanly.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # only the main thread may take signals
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)
