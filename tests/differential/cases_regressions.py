"""Differences the generated differential tests found, kept as named cases so their answers are recorded and replayed.

Each names the example hypothesis reported. They apply to both oracles unless tagged.
"""

from __future__ import annotations

from tests.support.diff import Case
from tests.support.diff import Req as R

GROUP = "regressions"

CASES: dict[str, Case] = {
    # test_generated_bodies[1.11.0], `x 1\nx x`: a token cut by the end of the body is Go's EOF
    # error whatever the token is (ours said `expected float as value`), in 1.5.1 as in 1.11.0.
    "a value or timestamp cut by the end of the body": Case(
        [
            R("PUT", "/metrics/job/a", b"x 1\nx x"),
            R("PUT", "/metrics/job/b", b"x 1x"),
            R("PUT", "/metrics/job/c", b"x 1 z"),
            R("PUT", "/metrics/job/d", b'x{a="1"} NaNx'),
            R("PUT", "/metrics/job/e", b"x abc\n"),
            R("PUT", "/metrics/job/f", b"x 1 z\n"),
        ]
    ),
}
