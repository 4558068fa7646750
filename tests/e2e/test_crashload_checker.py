"""The crash test's checker on hand-made histories: it accepts exactly the states the acknowledged writes allow."""

from __future__ import annotations

import pytest

from tests.e2e.crashload import Checker, GroupSpec, Observed, Op

S = 1_000_000_000  # one second in ns; far above the checker's rounding allowance
GROUP = GroupSpec({"job": "j"}, "/metrics/job/j")


def op(wid: int, client: int, kind: str, families: tuple[str, ...], sent: int, answered: int | None) -> Op:
    result = Op(wid, client, kind, 0, families, "text", send_ns=sent * S)
    if answered is not None:
        result.recv_ns = answered * S
        result.status = 200 if kind in ("PUT", "POST") else 202
    else:
        result.error = "connection reset"
    return result


def seen(families: dict[str, tuple[int, int]], push_at: int, created_at: int) -> dict[object, Observed]:
    """A group as observed: family -> (write id, second it was written), push time, creation time."""
    observed = Observed(
        families={name: wid for name, (wid, _) in families.items()},
        family_ns={name: at * S for name, (_, at) in families.items()},
        push_ns=push_at * S,
        failure_ns=created_at * S,
    )
    return {GROUP.key: observed}


def check(ops: list[Op], observed: dict[object, Observed]) -> None:
    Checker([GROUP]).check_round(ops, observed, "test")  # type: ignore[arg-type]


def test_the_last_acknowledged_write_must_be_there() -> None:
    ops = [op(1, 0, "PUT", ("crash_gauge",), 10, 12), op(2, 0, "PUT", ("crash_ops_total",), 20, 22)]
    check(ops, seen({"crash_ops_total": (2, 21)}, push_at=21, created_at=11))
    with pytest.raises(AssertionError, match="not a state the acknowledged writes allow"):
        check(ops, seen({"crash_gauge": (1, 11)}, push_at=11, created_at=11))
    with pytest.raises(AssertionError):
        check(ops, {})  # the group vanished


def test_a_write_in_flight_may_or_may_not_be_there() -> None:
    ops = [op(1, 0, "PUT", ("crash_gauge",), 10, 12), op(2, 0, "POST", ("crash_untyped",), 20, None)]
    check(ops, seen({"crash_gauge": (1, 11)}, push_at=11, created_at=11))
    check(ops, seen({"crash_gauge": (1, 11), "crash_untyped": (2, 21)}, push_at=21, created_at=11))
    with pytest.raises(AssertionError):  # the POST's family without its push_time_seconds
        check(ops, seen({"crash_gauge": (1, 11), "crash_untyped": (2, 21)}, push_at=11, created_at=11))


def test_concurrent_writes_apply_whole_in_either_order() -> None:
    both = ("crash_gauge", "crash_ops_total")
    ops = [op(1, 0, "PUT", both, 10, 14), op(2, 1, "PUT", both, 11, 13)]
    check(ops, seen({"crash_gauge": (1, 12), "crash_ops_total": (1, 12)}, push_at=12, created_at=12))
    check(ops, seen({"crash_gauge": (2, 12), "crash_ops_total": (2, 12)}, push_at=12, created_at=12))
    with pytest.raises(AssertionError):  # half of each PUT
        check(ops, seen({"crash_gauge": (1, 12), "crash_ops_total": (2, 12)}, push_at=12, created_at=12))


def test_real_time_order_between_clients_is_respected() -> None:
    ops = [op(1, 0, "PUT", ("crash_gauge",), 10, 12), op(2, 1, "PUT", ("crash_gauge",), 20, 22)]
    check(ops, seen({"crash_gauge": (2, 21)}, push_at=21, created_at=11))
    with pytest.raises(AssertionError):  # client 1's PUT was sent after client 0's was answered
        check(ops, seen({"crash_gauge": (1, 11)}, push_at=11, created_at=11))


def test_an_acknowledged_delete_must_stick() -> None:
    ops = [op(1, 0, "PUT", ("crash_gauge",), 10, 12), op(2, 0, "DELETE", (), 20, 22)]
    check(ops, {})
    with pytest.raises(AssertionError):
        check(ops, seen({"crash_gauge": (1, 11)}, push_at=11, created_at=11))


def test_time_stamps_must_fall_inside_their_request() -> None:
    ops = [op(1, 0, "PUT", ("crash_gauge",), 10, 12)]
    with pytest.raises(AssertionError, match="outside write 1"):
        check(ops, seen({"crash_gauge": (1, 30)}, push_at=30, created_at=30))


def test_family_delete_answers_fix_where_it_ran() -> None:
    both = ("crash_gauge", "crash_ops_total")
    put = op(1, 0, "PUT", both, 10, 12)
    found = op(2, 1, "FAMDEL", ("crash_gauge",), 11, 13)  # concurrent with the PUT, answered 202
    check([put, found], seen({"crash_ops_total": (1, 11)}, push_at=11, created_at=11))
    with pytest.raises(AssertionError):  # 202 means it ran after the PUT, so the gauge is gone
        check([put, found], seen({"crash_gauge": (1, 11), "crash_ops_total": (1, 11)}, push_at=11, created_at=11))
    missed = op(2, 1, "FAMDEL", ("crash_gauge",), 11, 13)
    missed.status = 404  # it ran before the PUT
    check([put, missed], seen({"crash_gauge": (1, 11), "crash_ops_total": (1, 11)}, push_at=11, created_at=11))
    with pytest.raises(AssertionError):
        check([put, missed], seen({"crash_ops_total": (1, 11)}, push_at=11, created_at=11))


def test_an_acknowledged_wipe_removes_the_group() -> None:
    ops = [op(1, 0, "PUT", ("crash_gauge",), 10, 12), op(2, 1, "WIPE", (), 20, 22)]
    ops[1].group = -1
    check(ops, {})
    with pytest.raises(AssertionError):
        check(ops, seen({"crash_gauge": (1, 11)}, push_at=11, created_at=11))
