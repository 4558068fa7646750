"""Generated cases that can have golden answers: the hypothesis vocabulary drawn by a seeded generator.

The draws mirror test_generated's strategies; a fixed seed makes the cases the same on every run,
so Go's answers to them are recorded and replayed like the hand-written ones.
"""

from __future__ import annotations

import random

from tests.differential import vocab
from tests.support.diff import Req

SEED = 20261203
BODY_CASES = 40
SEQUENCE_CASES = 25


def _line(rng: random.Random) -> str:
    kind = rng.choice(vocab.LINE_KINDS)
    name = rng.choice(vocab.NAMES)
    if kind == "sample":
        return f"{name}{rng.choice(vocab.LABEL_SETS)}{rng.choice(vocab.SEPARATORS)}{rng.choice(vocab.VALUES)}"
    if kind == "help":
        return f"# HELP {name} {rng.choice(vocab.HELPS)}"
    if kind == "type":
        return f"# TYPE {name} {rng.choice(vocab.TYPES)}"
    if kind == "comment":
        return rng.choice(vocab.COMMENTS)
    return rng.choice(vocab.BLANKS)


def _body(rng: random.Random) -> bytes:
    lines = [_line(rng) for _ in range(rng.randint(0, 8))]
    ending = rng.choice(vocab.ENDINGS)
    return ("\n".join(lines) + ending).encode() if lines else b""


def _sequence(rng: random.Random) -> list[Req]:
    requests = []
    for _ in range(rng.randint(1, 10)):
        if rng.random() < 0.2:
            requests.append(Req("DELETE", rng.choice(vocab.GROUPS)))
        else:
            method = rng.choice(["PUT", "POST"])
            requests.append(Req(method, rng.choice(vocab.GROUPS), rng.choice(vocab.SMALL_BODIES)))
    return requests


def _generate() -> dict[str, list[Req]]:
    rng = random.Random(SEED)
    cases: dict[str, list[Req]] = {}
    for i in range(BODY_CASES):
        method, path = rng.choice(["PUT", "POST"]), rng.choice(vocab.BODY_PATHS)
        cases[f"body {i:02d}"] = [Req("PUT", *vocab.OTHER_GROUP), Req(method, path, _body(rng))]
    for i in range(SEQUENCE_CASES):
        cases[f"sequence {i:02d}"] = _sequence(rng)
    return cases


SEEDED = _generate()
