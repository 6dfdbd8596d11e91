"""Deterministic ULID-shaped ids for runs, events and requests."""

from __future__ import annotations

import random

__all__ = ["IdSource"]

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
