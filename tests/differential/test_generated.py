"""Generated differential cases (hypothesis): bodies and request sequences against Go and ours.

A module-scoped pair of gateways is reused; every example starts from a wiped store.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.gateway.config import GatewayConfig
from tests.conftest import require_binary
from tests.support.diff import Pair, Req
from tests.support.servers import GoGateway, ThreadGateway

pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def shared_pair() -> Iterator[Pair]:
    require_binary("prometheus-pushgateway")
    go = GoGateway(["--web.enable-admin-api"])
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


NAMES = ["x", "y", "h", "s", "x_count", "h_bucket", "s_sum", "push_time_seconds"]
LABEL_SETS = [
    "",
    "{}",
    '{a="1"}',
    '{a="1",b="2"}',
    '{b="2",a="1"}',
    '{a="1",}',
    '{ a = "1" }',
    '{a="\\"q\\\\"}',
    '{a="1",a="2"}',
    '{le="1"}',
    '{le="+Inf"}',
    '{quantile="0.5"}',
    '{le="x"}',
    '{__x="1"}',
    '{a="\\n"}',
    '{instance="i"}',
    '{job="j"}',
    "{a=1}",
    '{a="1"',
]
VALUES = ["1", "0", "-0", "1.5", "NaN", "+Inf", "-inf", "1e3", ".5", "x", "", "1e400", "0x1", "7 123", "1 ", "1\t2"]
HELPS = ["text", "a\\nb", "bad \\t", "", "x y"]
TYPES = ["counter", "gauge", "untyped", "summary", "histogram", "GAUGE", "bogus", "gauge x"]


@st.composite
def line(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["sample"] * 6 + ["help", "type", "comment", "blank"]))
    name = draw(st.sampled_from(NAMES))
    if kind == "sample":
        sep = draw(st.sampled_from([" ", " ", "\t", "  "]))
        return f"{name}{draw(st.sampled_from(LABEL_SETS))}{sep}{draw(st.sampled_from(VALUES))}"
    if kind == "help":
        help_text = draw(st.sampled_from(HELPS))
        return f"# HELP {name} {help_text}"
    if kind == "type":
        return f"# TYPE {name} {draw(st.sampled_from(TYPES))}"
    if kind == "comment":
        return draw(st.sampled_from(["# just words", "#", "# EOF", "#HELP", "# TYPE"]))
    return draw(st.sampled_from(["", "   ", "\t"]))


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(line(), max_size=8))
    text = "\n".join(lines)
    ending = draw(st.sampled_from(["\n", "\n", "\n", "", "\r\n"]))
    return (text + ending).encode() if lines else b""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bodies(),
    st.sampled_from(["PUT", "POST"]),
    st.sampled_from(["/metrics/job/g", "/metrics/job/g/instance/", "/metrics/job/g/a/9"]),
)
def test_generated_bodies(shared_pair: Pair, body: bytes, method: str, path: str) -> None:
    _reset(shared_pair)
    shared_pair.run([Req("PUT", "/metrics/job/other", b"# TYPE x gauge\nx 5\n"), Req(method, path, body)])
    shared_pair.compare_state()


# No instance-less twins ({job=a} and {job=a,instance=""}): that is Go's poisoned store (test_deliberate).
GROUPS = [
    "/metrics/job/a",
    "/metrics/job/b",
    "/metrics/job/b/instance/i",
    "/metrics/job/a/instance/i",
    "/metrics/job@base64/Yw",
]
# A pushed (untyped) push_failure_time_seconds lets Go's failure path write a conflicting gauge into
# another group, which poisons its store (test_deliberate); the case tables cover it on its own.
SMALL_BODIES = [
    b"x 1\n",
    b"# TYPE x counter\nx 2\n",
    b"# TYPE x gauge\nx 3\n",
    b'x{l="1"} 1\n',
    b"y 1\nz 2\n",
    b"# TYPE s summary\ns_sum 1\n",
    b"s_count 1\n",
    b"x 1 5\n",
    b"",
    b"# HELP y other\ny 7\n",
]
ops = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["PUT", "POST"]), st.sampled_from(GROUPS), st.sampled_from(SMALL_BODIES)),
        st.tuples(st.just("DELETE"), st.sampled_from(GROUPS), st.just(b"")),
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
