"""Deterministic ULID-shaped ids for runs, events and requests."""

from __future__ import annotations

import base64
import binascii
import collections
import random

__all__ = ["IdSource", "SeededEventIds"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Event-id seed headers remembered (each a few dozen bytes): a retried send finds its own.
REMEMBERED_SENDS = 10_000


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


class IdSource:
    """ULIDs whose time part is virtual and whose random part comes from a seed."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ids-{seed}")

    def ulid(self, now: float) -> str:
        return _encode(int(now * 1000), 10) + _encode(self._rng.getrandbits(80), 16)


class SeededEventIds:
    """Ids for the events of a send that carries an ``x-inngest-event-id-seed`` header.

    The header is ``"<ms>,<base64 of 10 bytes>"`` and a retried send repeats it, so the
    server gives its events the same ids again (Go derives them from the header). Here
    the time part is the header's milliseconds, but the random part comes from the
    simulator's seed, drawn the first time a header is seen: the SDK fills the header
    from ``secrets``, and ids taken from it would differ on every run of a test.
    """

    def __init__(self, seed: int, *, remember: int = REMEMBERED_SENDS) -> None:
        self._rng = random.Random(f"event-ids-{seed}")
        # The newest ``remember`` headers, oldest first: a send is retried within the
        # SDK's few attempts, long before that many sends have come after it; a
        # long-lived dev server must not keep every header it ever saw.
        self._bases: collections.OrderedDict[str, int] = collections.OrderedDict()
        self._remember = remember

    def id_for(self, header: str, index: int) -> str | None:
        """The ``index``-th event's id; None when the header is not in that form."""
        millis, _, entropy = header.partition(",")
        try:
            raw = base64.b64decode(entropy, validate=True)
        except (binascii.Error, ValueError):
            return None
        if not millis.isdigit() or len(raw) != 10:
            return None
        base = self._bases.get(header)
        if base is None:
            base = self._bases[header] = self._rng.getrandbits(80)
            if len(self._bases) > self._remember:
                self._bases.popitem(last=False)
        random_part = (base + index) % (1 << 80)
        return _encode(int(millis) % (1 << 48), 10) + _encode(random_part, 16)
