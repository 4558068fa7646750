"""Which Go versions the cases of cases.py, flag_cases.py and seeded.py are checked against, where not both, and why.

Untagged cases apply to 1.11.0 and 1.5.1 alike. A case tagged 1.11.0 only is one where 1.5.1
answered differently and ours follows 1.11 (the 1.5.1 behaviour is in test_deliberate.py and
README's table); a case tagged 1.5.1 only is one where 1.11.0 is broken and ours fixes it (the
1.11.0 behaviour is in test_deliberate.py and README's table), or one whose 1.11 behaviour ours
does not have yet (the reason names whose work brings it). Cases in `cases_*.py` files carry their
own `Case.versions` instead.
"""

from __future__ import annotations

from tests.support.diff import ONLY_1_5

VERSIONS: dict[str, tuple[frozenset[str], str]] = {
    "protobuf: truncated and malformed": (
        ONLY_1_5,
        "pending the native-histogram work (protodelim): 1.11.0 answers 400 `unexpected EOF` to a "
        "trailing 0x80 or 0x05 and to ff ff ff…, where 1.5.1 (pbutil) and ours still store nothing; "
        "when ours follows protodelim, tag it 1.11.0 only and move 1.5.1's answers to test_deliberate",
    ),
}
"""`group: name` → (the versions it applies to, why)."""
