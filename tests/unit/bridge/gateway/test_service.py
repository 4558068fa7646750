"""The Gateway service: every rule of a write decided once, one verdict worded once for every edge."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bridge.gateway.config import GatewayConfig
from bridge.gateway.reads.exposition import Exposition
from bridge.gateway.service import RENDER_QUIET_S, Gateway
from bridge.gateway.storage.memory import MemoryStorage
from bridge.gateway.verdict import INCONSISTENT, Refusal, go_errors
from bridge.gateway.web.app import GatewayApp
from bridge.protocol.grouping import group_key
from bridge.protocol.methods import Method
from bridge.protocol.model import PUSH_FAILURE_TIME
from bridge.protocol.textparse import parse_text
from bridge.push.inprocess import GatewayPusher
from bridge.push.outcome import Verdict as Delivery
from bridge.push.pusher import PushRequest
from tests.support.fake_storage import FakeStorage


def test_several_errors_are_joined_as_go_multierror_joins_them() -> None:
    assert go_errors(["only one"]) == "only one"
    assert go_errors(["a", "b"]) == "2 error(s) occurred:\n* a\n* b"


async def test_a_push_over_the_series_limit_is_refused_before_the_store_sees_it() -> None:
    gateway = Gateway(GatewayConfig(max_series_per_push=2))
    verdict = await gateway.push({"job": "big"}, parse_text(b"a 1\nb 2\nc 3\n"), replace=True)
    assert verdict.refusal is Refusal.LIMIT
    assert verdict.message == "push has 3 series, more than the limit of 2 (--push.max-series)"
    assert gateway.groups() == []  # not even a failure time: the limit is not a failed push


async def test_the_group_limit_refuses_new_groups_only() -> None:
    gateway = Gateway(GatewayConfig(max_groups=1))
    assert (await gateway.push({"job": "one"}, parse_text(b"a 1\n"), replace=True)).accepted
    verdict = await gateway.push({"job": "two"}, parse_text(b"a 1\n"), replace=True)
    assert verdict.refusal is Refusal.LIMIT
    assert verdict.message == (
        "the gateway already holds 1 groups, the limit (--push.max-groups); delete groups or raise the limit"
    )
    assert (await gateway.push({"job": "one"}, parse_text(b"a 2\n"), replace=True)).accepted
    assert gateway.group_count() == 1


async def test_an_inconsistent_push_records_its_failure_and_is_worded_as_go_words_it() -> None:
    gateway = Gateway()
    await gateway.push({"job": "a"}, parse_text(b"# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n"), replace=True)
    verdict = await gateway.push(
        {"job": "b"}, parse_text(b"# TYPE x counter\nx 1\n# TYPE y counter\ny 1\n"), replace=True
    )
    assert verdict.refusal is Refusal.INCONSISTENT
    assert verdict.message.startswith(INCONSISTENT + "2 error(s) occurred:\n* collected metric")
    assert verdict.message == INCONSISTENT + verdict.reason
    group = gateway.group({"job": "b"})
    assert group is not None and group.timestamp_value(PUSH_FAILURE_TIME)


@pytest.mark.parametrize(
    ("config", "body"),
    [
        ({"max_series_per_push": 1}, b"a 1\nb 2\n"),
        ({"max_groups": 1}, b"a 1\n"),
        ({}, b"# TYPE x counter\nx 1\n"),
        ({}, b"x 1 1000\n"),
    ],
    ids=["series-limit", "group-limit", "inconsistent", "timestamps"],
)
async def test_http_and_the_spool_give_the_same_words_for_a_refused_push(config: dict[str, int], body: bytes) -> None:
    # The spool's `.error` file holds the in-process pusher's message: it must be the HTTP body.
    gateway = Gateway(GatewayConfig(**config))  # type: ignore[arg-type]
    await gateway.push({"job": "first"}, parse_text(b"# TYPE x gauge\nx 1\n"), replace=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=GatewayApp(gateway)), base_url="http://gw") as web:
        answer = await web.put("/metrics/job/second", content=body)
    outcome = await GatewayPusher(gateway).push(PushRequest(group_key({"job": "second"}), Method.PUT, body))
    assert answer.status_code == outcome.status == 400
    assert outcome.verdict is Delivery.REJECTED
    assert answer.text == outcome.message + "\n"


async def test_a_push_hands_its_families_over_to_the_store() -> None:
    gateway = Gateway()
    families = parse_text(b"x 1\n")
    await gateway.push({"job": "a"}, families, replace=True)
    group = gateway.group({"job": "a"})
    assert group is not None and group.families["x"].family is families["x"]
    assert families["x"].metrics[0].labels == (("instance", ""), ("job", "a"))  # sanitised in place, kept


async def test_a_conditional_delete_asks_when_it_is_decided() -> None:
    gateway = Gateway(storage=FakeStorage())
    gateway.start()
    await gateway.push({"job": "a"}, parse_text(b"x 1\n"), replace=True)
    asked: list[str] = []

    def refuse(group: object) -> bool:
        asked.append("refuse")
        return False

    assert await gateway.delete({"job": "a"}, only_if=refuse) is False
    assert await gateway.delete({"job": "missing"}, only_if=refuse) is False
    assert asked == ["refuse"] and gateway.group_count() == 1
    assert await gateway.delete({"job": "a"}, only_if=lambda group: True) is True
    assert gateway.groups() == []
    await gateway.close()


async def test_what_deletes_remove_is_rendered_on_the_loop_once_they_pause() -> None:
    gateway = Gateway()
    for i in range(20):
        await gateway.push({"job": "a", "instance": f"h{i}"}, parse_text(b"x 1\ny 2\n"), replace=True)
    assert b'instance="h3"' in gateway.metrics_text()
    for i in range(10):
        assert await gateway.delete({"job": "a", "instance": f"h{i}"}) is True
    assert await gateway.delete_family({"job": "a", "instance": "h10"}, "y") is True
    assert len(gateway.exposition._pending) == 10 * 4 + 1  # nothing rendered while answering
    for _ in range(1000):  # no read: the loop renders them once deletes pause
        if not gateway.exposition._pending:
            break
        await asyncio.sleep(RENDER_QUIET_S)
    assert gateway.exposition._pending == {}
    text = gateway.exposition.text([])
    assert b'instance="h3"' not in text and b'y{instance="h10"' not in text and b'x{instance="h10"' in text
    assert text == Exposition(gateway.store).text([])  # what a fresh render of the store gives


async def test_a_read_right_after_deletes_renders_them_itself() -> None:
    gateway = Gateway()
    for i in range(5):
        await gateway.push({"job": "a", "instance": f"h{i}"}, parse_text(b"x 1\n"), replace=True)
    gateway.metrics_text()
    for i in range(4):
        await gateway.delete({"job": "a", "instance": f"h{i}"})
    text = gateway.metrics_text()
    assert b'x{instance="h4",job="a"} 1' in text and b'instance="h0"' not in text
    assert gateway.exposition._pending == {}


def test_seeding_history_is_only_for_an_in_memory_gateway_not_yet_serving() -> None:
    gateway = Gateway(storage=MemoryStorage())
    assert gateway.seed({"job": "a"}, parse_text(b"x 1\n"), replace=True, now_ns=5_000_000_000).accepted
    group = gateway.group({"job": "a"})
    assert group is not None and group.families["x"].timestamp_ns == 5_000_000_000
    with pytest.raises(RuntimeError, match="in-memory gateway before start"):
        Gateway(storage=FakeStorage()).seed({"job": "a"}, parse_text(b"x 1\n"), replace=True, now_ns=1)
