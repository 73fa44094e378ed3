"""What every compiled generator shares: the per-value `Ctx`, the `Gen` signature and the limits.

Kept apart from the compiler (`generate`) and the value generators (`values`, `scalars`, `inline`)
so that all of them can import these without importing each other: this module imports nothing
of the package.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

OPTIONAL_DEPTH = 4  # below this many nested refs, optional properties are filled in
MAX_DEPTH = 8  # refs deeper than this are cut where the schema allows it
NODE_BUDGET = 400  # objects per generated value before optional parts are cut
NULL_RATE = 0.1  # how often a nullable value is null: often enough that clients meet it


class TooDeep(Exception):
    """Raised where recursion must stop; caught where the schema allows omission."""


class Ctx:
    """Per-generation state: the random source and how deep we are."""

    __slots__ = ("rng", "depth", "nodes", "examples", "response")

    def __init__(self, rng: random.Random, *, examples: bool = True, response: bool = True) -> None:
        self.rng = rng
        self.depth = 0
        self.nodes = 0
        self.examples = examples  # use spec examples/defaults where given
        self.response = response  # True: omit writeOnly; False (request bodies): omit readOnly


Gen = Callable[[Ctx], Any]
