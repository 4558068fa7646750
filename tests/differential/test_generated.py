"""Generated differential cases (hypothesis): bodies and request sequences against Go (1.11.0, then 1.5.1) and ours.

A module-scoped pair of gateways per Go version is reused; every example starts from a wiped
store. The seeded cases in seeded.py draw from the same vocabulary and have golden answers.
Answers are compared by `diff.same_answer`: 1.11.0's dropped connection on a consistency
rejection counts as ours' 400 (the state comparison then checks both recorded the failure).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.gateway.config import GatewayConfig
from tests.conftest import require_go
from tests.differential import vocab
from tests.support.diff import Pair, Req
from tests.support.servers import GO_VERSIONS, GoGateway, ThreadGateway

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module", params=GO_VERSIONS)
def shared_pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    require_go(request.param)
    go = GoGateway(["--web.enable-admin-api"], version=request.param)
    ours = ThreadGateway(GatewayConfig(enable_admin_api=True))
    pair = Pair(go.url, ours.url)
    yield pair
    pair.close()
    go.stop()
    ours.stop()


def _reset(pair: Pair) -> None:
    for url in (pair.go_url, pair.our_url):
        assert httpx.put(url + "/api/v1/admin/wipe").status_code == 202
    pair.async_pending = True
    pair.settle()


@st.composite
def line(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(vocab.LINE_KINDS))
    name = draw(st.sampled_from(vocab.NAMES))
    if kind == "sample":
        sep = draw(st.sampled_from(vocab.SEPARATORS))
        return f"{name}{draw(st.sampled_from(vocab.LABEL_SETS))}{sep}{draw(st.sampled_from(vocab.VALUES))}"
    if kind == "help":
        help_text = draw(st.sampled_from(vocab.HELPS))
        return f"# HELP {name} {help_text}"
    if kind == "type":
        return f"# TYPE {name} {draw(st.sampled_from(vocab.TYPES))}"
    if kind == "comment":
        return draw(st.sampled_from(vocab.COMMENTS))
    return draw(st.sampled_from(vocab.BLANKS))


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(line(), max_size=8))
    text = "\n".join(lines)
    ending = draw(st.sampled_from(vocab.ENDINGS))
    return (text + ending).encode() if lines else b""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bodies(),
    st.sampled_from(["PUT", "POST"]),
    st.sampled_from(vocab.BODY_PATHS),
)
def test_generated_bodies(shared_pair: Pair, body: bytes, method: str, path: str) -> None:
    _reset(shared_pair)
    shared_pair.run([Req("PUT", *vocab.OTHER_GROUP), Req(method, path, body)])
    shared_pair.compare_state()


ops = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["PUT", "POST"]), st.sampled_from(vocab.GROUPS), st.sampled_from(vocab.SMALL_BODIES)),
        st.tuples(st.just("DELETE"), st.sampled_from(vocab.GROUPS), st.just(b"")),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_generated_sequences(shared_pair: Pair, sequence: list[tuple[str, str, bytes]]) -> None:
    _reset(shared_pair)
    shared_pair.run([Req(method, path, body) for method, path, body in sequence])
    shared_pair.compare_state()
