"""One replaced attribute of a class or module, and how a set of them goes in and comes out.

The step probe, the accelerator and the SDK's waits each describe what they replace as
``Patch`` values; only ``inngest_sim._sdk.scope`` puts them in and takes them out.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["ABSENT", "Patch", "install", "restore"]


#: ``Patch.original`` for a name the class did not have: restoring deletes it.
ABSENT: Final = object()


@dataclasses.dataclass(frozen=True, slots=True)
class Patch:
    owner: type | ModuleType
    name: str
    original: object  # the raw class-dict entry, put back as it was (or ABSENT)
    replacement: object

    @property
    def label(self) -> str:
        return f"{self.owner.__name__}.{self.name}"

    def in_place(self) -> bool:
        """The replacement is what the class holds now (nobody replaced it since)."""
        return self.owner.__dict__.get(self.name, ABSENT) is self.replacement


def install(patches: list[Patch]) -> None:
    for patch in patches:
        setattr(patch.owner, patch.name, patch.replacement)


def restore(patches: list[Patch]) -> list[str]:
    """Put each original back; returns the labels left alone because someone else
    replaced them again meanwhile (their patch is theirs to undo, not ours to clobber)."""
    kept = []
    for patch in reversed(patches):
        if not patch.in_place():
            kept.append(patch.label)
        elif patch.original is ABSENT:
            delattr(patch.owner, patch.name)
        else:
            setattr(patch.owner, patch.name, patch.original)
    return kept[::-1]
