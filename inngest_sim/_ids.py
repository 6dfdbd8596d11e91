"""Deterministic ULID-shaped ids for runs, events and requests."""

from __future__ import annotations

import base64
import binascii
import random

__all__ = ["IdSource", "seeded_ulid"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


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


def seeded_ulid(seed: str, index: int) -> str | None:
    """The id the server gives the ``index``-th event of a send whose
    ``x-inngest-event-id-seed`` header is ``seed`` (``"<ms>,<base64 of 10 bytes>"``).

    A retried send carries the same seed, so its events get the same ids. None when
    the header is not in that form (the server then makes fresh ids).
    """
    millis, _, entropy = seed.partition(",")
    try:
        raw = base64.b64decode(entropy, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not millis.isdigit() or len(raw) != 10:
        return None
    random_part = (int.from_bytes(raw, "big") + index) % (1 << 80)
    return _encode(int(millis) % (1 << 48), 10) + _encode(random_part, 16)
