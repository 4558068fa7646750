"""Which Go versions the cases of cases.py, flag_cases.py and seeded.py are checked against, where not both, and why.

Untagged cases apply to 1.11.0 and 1.5.1 alike. A case tagged 1.11.0 only is one where 1.5.1
answered differently and ours follows 1.11 (the 1.5.1 behaviour is in test_deliberate.py and
README's table); a case tagged 1.5.1 only is one where 1.11.0 is broken and ours fixes it (the
1.11.0 behaviour is in test_deliberate.py and README's table), or one whose 1.11 behaviour ours
does not have yet (the reason names whose work brings it). Cases in `cases_*.py` files carry their
own `Case.versions` instead.
"""

from __future__ import annotations

from tests.support.diff import ONLY_1_11

VERSIONS: dict[str, tuple[frozenset[str], str]] = {
    "protobuf: truncated and malformed": (
        ONLY_1_11,
        "protodelim: 1.11.0 answers 400 `unexpected EOF` to a body ending in 0x80 or 0x05 and to six 0xff "
        "bytes, where 1.5.1 (pbutil) stores nothing for the first two and answers `invalid varint32 "
        "encountered` to the last; ours follows 1.11 (1.5.1's answers: test_deliberate_native.py)",
    ),
}
"""`group: name` → (the versions it applies to, why)."""
