"""The SDK's registration, made once per client and function set and replayed after.

Every simulator starts by having the SDK register its functions: a PUT to its handler,
which builds each function's config and POSTs them to ``/fn/register``. For the same
client, functions, serve path, signing key and ``INNGEST_*`` environment the SDK sends
the same request every time, and building it is most of a small simulator's set-up. So
the first registration's request is kept, and a later simulator hands that same request
to its own API: the API records and registers it exactly as it would the SDK's POST, so
the trace and the registry are the same either way. Only the SDK's work is skipped.

What may change the request is in the key; the functions are compared by identity (a
function rebuilt is a new function). Nothing is kept for a registration the API did not
accept, so a failing one always goes through the SDK again. Client and functions are held
weakly: a test's own app is not kept alive by having been registered once.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx

__all__ = ["SyncCache", "registrations"]


class SyncCache:
    """Registration requests the SDK sent, by client, then by what shapes the request."""

    def __init__(self) -> None:
        self._by_client: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], _Kept]] = (
            weakref.WeakKeyDictionary()
        )

    def get(
        self, client: Any, functions: Sequence[Any], serve_path: str, signing_key: str | None
    ) -> httpx.Request | None:
        """The request the SDK sent for the same registration, if one was kept."""
        kept = self._for(client).get(_key(client, functions, serve_path, signing_key))
        if kept is None or len(kept.functions) != len(functions):
            return None
        if any(ref() is not f for ref, f in zip(kept.functions, functions, strict=True)):
            return None
        return kept.request

    def put(
        self,
        client: Any,
        functions: Sequence[Any],
        serve_path: str,
        signing_key: str | None,
        request: httpx.Request,
    ) -> None:
        try:
            refs = tuple(weakref.ref(f) for f in functions)
        except TypeError:  # a function that cannot be weakly referenced: keep nothing
            return
        table = self._for(client)
        # A client reused across hypothesis examples registers new functions each time:
        # what was kept for functions that are gone can never be asked for again.
        for key in [k for k, kept in table.items() if not kept.alive()]:
            del table[key]
        table[_key(client, functions, serve_path, signing_key)] = _Kept(refs, request)

    def clear(self) -> None:
        self._by_client.clear()

    def _for(self, client: Any) -> dict[tuple[Any, ...], _Kept]:
        try:
            return self._by_client.setdefault(client, {})
        except TypeError:  # a client that cannot be weakly referenced: keep nothing
            return {}


class _Kept:
    __slots__ = ("functions", "request")

    def __init__(self, functions: tuple[weakref.ref[Any], ...], request: httpx.Request) -> None:
        self.functions, self.request = functions, request

    def alive(self) -> bool:
        return all(ref() is not None for ref in self.functions)


def _key(
    client: Any, functions: Sequence[Any], serve_path: str, signing_key: str | None
) -> tuple[Any, ...]:
    # The SDK reads its serve origin, path, signing keys, env and mode from the
    # environment and the client; the functions' configs come from the functions.
    # (Names first: decoding every value of the environment costs more than the rest.)
    environment = tuple(sorted((k, os.environ[k]) for k in os.environ if k.startswith("INNGEST")))
    shape = tuple(
        repr(getattr(client, name, None))
        for name in (
            "app_id",
            "env",
            "_mode",
            "_signing_key",
            "_signing_key_fallback",
            "_api_origin",
        )
    )
    return (tuple(id(f) for f in functions), serve_path, signing_key, environment, shape)


#: The process's cache, shared by every simulator.
registrations = SyncCache()
