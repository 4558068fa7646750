"""Concurrent push load with a record of every answer, and a checker for what a restarted gateway may hold.

The load: several client threads, each a sequence of PUT/POST/DELETE requests (text and
protobuf bodies), per-family deletes (extension) and the odd wipe, to one group of its own
and a few groups every thread writes to. Every
write carries a unique id `wid` inside its values, so each family found after a restart names
the write that produced it, and its content can be compared exactly with what was sent.

The checker: the gateway applies writes in one serial order that respects real time (a write
answered before another was sent comes first), and the file holds the result of a prefix of
that order. A restart must therefore show, for each group, the state after *some* real-time
consistent serialisation of the writes to that group that includes every acknowledged write
(answered 2xx, or 404 for a family delete that found nothing, which also fixes where it ran);
writes that were in flight when the process died may or may not be in it. The checker
searches those serialisations (a client is sequential, so a candidate is a vector of how many
of each client's writes are applied) and fails if none yields exactly the observed state,
including the gateway timestamps (each must lie inside its write's request/response interval).
"""

from __future__ import annotations

import base64
import itertools
import random
import threading
import time
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.helpers import TIMESTAMP_FAMILIES, api_groups, groups_by_labels, label_key, parse_rfc3339_ns
from tests.support import metrics_pb

FAMILIES = ("crash_gauge", "crash_ops_total", "crash_latency_seconds", "crash_size_bytes", "crash_untyped")
GAUGE_HELP = 'Crash gauge: back\\slash and\nnewline "quoted".'
NOTE = 'a"b\\c\nd'
TEXT_CT = "text/plain; version=0.0.4; charset=utf-8"
EPS_NS = 20_000_000  # client and server read the same clock; this only absorbs rounding
MAX_WID = 400_000  # keeps every value below 1e6, where Go's %g and Python's repr agree
INF = float("inf")
# The answers that mean "processed": a family delete answers 404 when the family is not there.
ANSWERS = {"PUT": {200}, "POST": {200}, "DELETE": {202}, "WIPE": {202}, "FAMDEL": {202, 404}}

Labels = tuple[tuple[str, str], ...]


# ------------------------------------------------------------------ groups
@dataclass(frozen=True)
class GroupSpec:
    """A grouping key and the URL path a client pushes it to."""

    labels: dict[str, str]
    path: str

    @property
    def key(self) -> Labels:
        return label_key(self.labels)


def _b64(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def make_groups(clients: int) -> tuple[list[GroupSpec], list[GroupSpec]]:
    """One group per client (written by it alone, wipes apart), and groups every client writes to."""
    own = [GroupSpec({"job": "crash", "worker": f"w{i}"}, f"/metrics/job/crash/worker/w{i}") for i in range(clients)]
    shared = [
        GroupSpec({"job": "crash_shared", "slot": "0"}, "/metrics/job/crash_shared/slot/0"),
        GroupSpec({"job": "crash_shared", "instance": "node-1"}, "/metrics/job/crash_shared/instance/node-1"),
        GroupSpec(
            {"job": "crash/shared", "path": "/x/y"},
            f"/metrics/job@base64/{_b64('crash/shared')}/path@base64/{_b64('/x/y')}",
        ),
    ]
    return own, shared


# ------------------------------------------------------------------ content of one write
def go_number(value: float) -> str:
    """Go's strconv 'g'/-1 form for the values used here (|v| < 1e6, binary fractions)."""
    assert abs(value) < 1e6, value
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _hist(wid: int) -> tuple[list[tuple[float, int]], float, int]:
    a = wid % 7
    b = a + wid % 5
    c = b + 3
    return [(0.1, a), (1.0, b), (INF, c)], wid + 0.25, c


def text_body(families: Sequence[str], wid: int) -> bytes:
    """The write's families in text format 0.0.4."""
    lines: list[str] = []
    for name in families:
        if name == "crash_gauge":
            help_text = GAUGE_HELP.replace("\\", "\\\\").replace("\n", "\\n")
            note = NOTE.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            lines += [
                f"# HELP crash_gauge {help_text}",
                "# TYPE crash_gauge gauge",
                f'crash_gauge{{series="b"}} {wid + 0.5}',
                f'crash_gauge{{series="a"}} {wid}',
                f'crash_gauge{{note="{note}",series="c"}} {-wid}',
            ]
        elif name == "crash_ops_total":
            lines += ["# HELP crash_ops_total Operations.", "# TYPE crash_ops_total counter", f"crash_ops_total {wid}"]
        elif name == "crash_latency_seconds":
            buckets, total, count = _hist(wid)
            lines += ["# HELP crash_latency_seconds Latency.", "# TYPE crash_latency_seconds histogram"]
            for bound, cumulative in buckets:
                le = "+Inf" if bound == INF else repr(bound)
                lines.append(f'crash_latency_seconds_bucket{{le="{le}"}} {cumulative}')
            lines += [f"crash_latency_seconds_sum {total}", f"crash_latency_seconds_count {count}"]
        elif name == "crash_size_bytes":
            lines += [
                "# HELP crash_size_bytes Sizes.",
                "# TYPE crash_size_bytes summary",
                f'crash_size_bytes{{quantile="0.5"}} {wid}',
                f'crash_size_bytes{{quantile="0.99"}} {2 * wid}',
                f"crash_size_bytes_sum {wid + 0.75}",
                f"crash_size_bytes_count {wid}",
            ]
        elif name == "crash_untyped":
            lines.append(f"crash_untyped {-wid}")
    return ("\n".join(lines) + "\n").encode() if lines else b""


def proto_body(families: Sequence[str], wid: int) -> bytes:
    """The same families as delimited protobuf (as Go clients send them)."""
    out = []
    for name in families:
        if name == "crash_gauge":
            metrics = [
                {"labels": {"series": "b"}, "gauge": wid + 0.5},
                {"labels": {"series": "a"}, "gauge": float(wid)},
                {"labels": {"note": NOTE, "series": "c"}, "gauge": float(-wid)},
            ]
            out.append(metrics_pb.family(name, "GAUGE", GAUGE_HELP, metrics))
        elif name == "crash_ops_total":
            out.append(metrics_pb.family(name, "COUNTER", "Operations.", [{"counter": float(wid)}]))
        elif name == "crash_latency_seconds":
            buckets, total, count = _hist(wid)
            out.append(
                metrics_pb.family(
                    name, "HISTOGRAM", "Latency.", [{"histogram": {"count": count, "sum": total, "buckets": buckets}}]
                )
            )
        elif name == "crash_size_bytes":
            summary = {"count": wid, "sum": wid + 0.75, "quantiles": [(0.5, float(wid)), (0.99, float(2 * wid))]}
            out.append(metrics_pb.family(name, "SUMMARY", "Sizes.", [{"summary": summary}]))
        elif name == "crash_untyped":
            out.append(metrics_pb.family(name, "UNTYPED", None, [{"untyped": float(-wid)}]))
    return metrics_pb.delimited(*out)


def expected_family(name: str, wid: int, grouping: dict[str, str]) -> dict[str, Any]:
    """What `/api/v1/metrics` must show for family `name` written by write `wid` (without time_stamp)."""
    base = {"instance": "", **grouping}

    def labels(**extra: str) -> dict[str, str]:
        return {**base, **extra}

    if name == "crash_gauge":
        metrics = [
            {"labels": labels(series="b"), "value": go_number(wid + 0.5)},
            {"labels": labels(series="a"), "value": go_number(wid)},
            {"labels": labels(note=NOTE, series="c"), "value": go_number(-wid)},
        ]
        return {"type": "GAUGE", "help": GAUGE_HELP, "metrics": metrics}
    if name == "crash_ops_total":
        return {"type": "COUNTER", "help": "Operations.", "metrics": [{"labels": labels(), "value": go_number(wid)}]}
    if name == "crash_latency_seconds":
        buckets, total, count = _hist(wid)
        hist = {
            "labels": labels(),
            "buckets": {("+Inf" if b == INF else go_number(b)): str(c) for b, c in buckets},
            "count": str(count),
            "sum": go_number(total),
        }
        return {"type": "HISTOGRAM", "help": "Latency.", "metrics": [hist]}
    if name == "crash_size_bytes":
        summary = {
            "labels": labels(),
            "quantiles": {"0.5": go_number(wid), "0.99": go_number(2 * wid)},
            "count": str(wid),
            "sum": go_number(wid + 0.75),
        }
        return {"type": "SUMMARY", "help": "Sizes.", "metrics": [summary]}
    assert name == "crash_untyped", name
    return {"type": "UNTYPED", "metrics": [{"labels": labels(), "value": go_number(-wid)}]}


def wid_of(name: str, family: dict[str, Any]) -> int:
    """The write id a stored family carries in its values."""
    metric = family["metrics"][0]
    if name == "crash_gauge":
        return int(float(family["metrics"][1]["value"]))
    if name == "crash_ops_total":
        return int(float(metric["value"]))
    if name == "crash_latency_seconds":
        return int(float(metric["sum"]))
    if name == "crash_size_bytes":
        return int(metric["count"])
    return -int(float(metric["value"]))


# ------------------------------------------------------------------ the load
@dataclass
class Op:
    """One request a client sent, and what (if anything) came back."""

    wid: int
    client: int
    kind: str
    group: int
    families: tuple[str, ...]
    encoding: str
    send_ns: int = 0
    recv_ns: int | None = None
    status: int | None = None
    error: str | None = None

    @property
    def acked(self) -> bool:
        """The gateway answered as it does once the request has been applied (and committed)."""
        return self.status in ANSWERS[self.kind]

    @property
    def end_ns(self) -> float:
        """When the answer arrived; infinity if none did (the write may or may not have happened)."""
        return self.recv_ns if self.recv_ns is not None else INF

    def describe(self) -> str:
        fams = ",".join(self.families) or "-"
        answer = f"{self.status}" if self.status is not None else f"no answer ({self.error})"
        return f"wid={self.wid} client={self.client} {self.kind} [{fams}] {self.encoding} -> {answer}"


_WIDS = itertools.count(1)


class Load:
    """Client threads pushing to one gateway (or to replicas of one store) until stopped or until the gateway goes away."""

    def __init__(
        self,
        url: str | Sequence[str],
        groups: list[GroupSpec],
        own: int,
        seed: int,
        clients: int,
        *,
        wipe_weight: float = 0.5,
    ) -> None:
        # Several URLs (replicas of one store): client i talks to url[i % len(url)].
        self.urls = [url] if isinstance(url, str) else list(url)
        self.url = self.urls[0]
        self.wipe_weight = wipe_weight  # the gateway needs --web.enable-admin-api for wipes
        self.groups = groups
        self.own = own  # groups[:own] belong to one client each
        self.seed = seed
        self.clients = clients
        self.ops: list[Op] = []
        self.acked = 0
        self.stop = threading.Event()
        self.crashes: list[str] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._client, args=(i,), name=f"crash-client-{i}", daemon=True)
            for i in range(clients)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float = 20.0) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in self._threads if t.is_alive()]
        assert not alive, f"client threads still running: {alive}"
        assert not self.crashes, f"client threads crashed: {self.crashes}"

    def wait_acked(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.acked < count:
            assert time.monotonic() < deadline, f"only {self.acked} of {count} writes acknowledged in {timeout}s"
            assert not self.crashes, f"client threads crashed: {self.crashes}"
            time.sleep(0.002)

    def _pick(self, rng: random.Random, client: int) -> tuple[str, int, tuple[str, ...], str]:
        group = client if rng.random() < 0.4 else rng.randrange(self.own, len(self.groups))
        kind = rng.choices(("PUT", "POST", "DELETE", "FAMDEL", "WIPE"), (42, 42, 8, 7, self.wipe_weight))[0]
        families: tuple[str, ...] = ()
        if kind in ("PUT", "POST"):
            count = rng.choices((0, 1, 2, 3, 5), (3 if kind == "PUT" else 0, 30, 30, 20, 10))[0]
            families = tuple(rng.sample(FAMILIES, count))
        elif kind == "FAMDEL":
            families = (rng.choice(FAMILIES),)
        elif kind == "WIPE":
            group = -1
        encoding = rng.choice(("text", "protobuf")) if kind in ("PUT", "POST") else "-"
        return kind, group, families, encoding

    def _request(self, op: Op) -> tuple[str, str]:
        """Method and path of a write."""
        if op.kind == "WIPE":
            return "PUT", "/api/v1/admin/wipe"
        path = self.groups[op.group].path
        if op.kind == "FAMDEL":
            return "DELETE", f"/api/v1/extensions/family/{op.families[0]}{path.removeprefix('/metrics')}"
        return op.kind, path

    def _client(self, client: int) -> None:
        rng = random.Random(self.seed * 1000 + client)
        try:
            with httpx.Client(base_url=self.urls[client % len(self.urls)], timeout=15.0) as http:
                while not self.stop.is_set():
                    kind, group, families, encoding = self._pick(rng, client)
                    op = Op(next(_WIDS), client, kind, group, families, encoding)
                    assert op.wid < MAX_WID, "too many writes for the value encoding"
                    body = b""
                    headers = {}
                    if encoding == "text":
                        body, headers = text_body(families, op.wid), {"Content-Type": TEXT_CT}
                    elif encoding == "protobuf":
                        body, headers = proto_body(families, op.wid), {"Content-Type": metrics_pb.PROTO_CT}
                    with self._lock:
                        self.ops.append(op)
                    op.send_ns = time.time_ns()
                    try:
                        method, path = self._request(op)
                        response = http.request(method, path, content=body, headers=headers)
                    except httpx.HTTPError as exc:
                        op.error = f"{type(exc).__name__}: {exc}"
                        return
                    op.recv_ns = time.time_ns()
                    op.status = response.status_code
                    if not op.acked:
                        op.error = response.text
                        return
                    with self._lock:
                        self.acked += 1
        except Exception as exc:  # a bug in the test itself: make it visible
            self.crashes.append(f"client {client}: {type(exc).__name__}: {exc}")

    def unexpected(self) -> list[Op]:
        """Writes that got an answer other than 2xx (never expected: every write here is valid)."""
        return [op for op in self.ops if op.status is not None and not op.acked]


# ------------------------------------------------------------------ what a group may look like
Comp = int | tuple[str, int]  # the write that set a timestamp family, or ("ns", exact value) carried over
State = tuple[tuple[tuple[str, int], ...], Comp, Comp] | None


@dataclass
class Observed:
    """One group as a restarted gateway shows it, reduced to which write produced what."""

    families: dict[str, int]
    family_ns: dict[str, int]
    push_ns: int
    failure_ns: int


@dataclass
class Checker:
    """Carries the verified state from round to round and checks each restart against the writes."""

    groups: list[GroupSpec]
    initial: dict[Labels, State] = field(default_factory=dict)
    family_ns: dict[tuple[Labels, str], tuple[int, int]] = field(default_factory=dict)
    ops_by_wid: dict[int, Op] = field(default_factory=dict)

    def observe(self, client: httpx.Client) -> dict[Labels, Observed]:
        """Read every group; fail on anything that is not exactly some write's content."""
        found = groups_by_labels(api_groups(client))
        known = {spec.key: spec for spec in self.groups}
        stray = set(found) - set(known)
        assert not stray, f"groups nobody pushed: {stray}"
        out: dict[Labels, Observed] = {}
        for key, group in found.items():
            spec = known[key]
            assert group["last_push_successful"] is True, f"{key}: last_push_successful is false"
            families: dict[str, int] = {}
            family_ns: dict[str, int] = {}
            for name, family in group.items():
                if name in ("labels", "last_push_successful") or name in TIMESTAMP_FAMILIES:
                    continue
                assert name in FAMILIES, f"{key}: unknown family {name}"
                try:
                    wid = wid_of(name, family)
                except (ValueError, KeyError, IndexError, TypeError) as exc:
                    raise AssertionError(f"{key}: family {name} is garbled ({exc}): {family}") from None
                shown = {k: v for k, v in family.items() if k != "time_stamp"}
                expected = expected_family(name, wid, spec.labels)
                assert shown == expected, f"{key}: family {name} of write {wid} differs:\n{shown}\n!=\n{expected}"
                families[name] = wid
                family_ns[name] = parse_rfc3339_ns(family["time_stamp"])
            push = group.get("push_time_seconds")
            failure = group.get("push_failure_time_seconds")
            assert push is not None and failure is not None, f"{key}: timestamp families missing: {group}"
            push_ns = parse_rfc3339_ns(push["time_stamp"])
            push_value = float(push["metrics"][0]["value"])
            assert abs(push_value - push_ns / 1e9) < 1e-6, f"{key}: push_time_seconds {push_value} != {push_ns}"
            assert failure["metrics"][0]["value"] == "0", f"{key}: push_failure_time_seconds is not 0: {failure}"
            out[key] = Observed(families, family_ns, push_ns, parse_rfc3339_ns(failure["time_stamp"]))
        return out

    def check_round(self, ops: list[Op], observed: dict[Labels, Observed], context: str) -> dict[str, int]:
        """Assert the observed store is a state the writes allow; it becomes the next round's start."""
        for op in ops:
            self.ops_by_wid[op.wid] = op
        by_group: dict[Labels, list[Op]] = {}
        for op in ops:
            touched = self.groups if op.kind == "WIPE" else [self.groups[op.group]]
            for spec in touched:
                by_group.setdefault(spec.key, []).append(op)
        explored = 0
        for spec in self.groups:
            key = spec.key
            seen = self._check_group(key, by_group.get(key, []), observed.get(key), context)
            explored += seen
        # The verified state is where the next round starts.
        for spec in self.groups:
            obs = observed.get(spec.key)
            if obs is None:
                self.initial[spec.key] = None
                continue
            self.initial[spec.key] = (
                tuple(sorted(obs.families.items())),
                ("ns", obs.push_ns),
                ("ns", obs.failure_ns),
            )
            for name, wid in obs.families.items():
                self.family_ns[(spec.key, name)] = (wid, obs.family_ns[name])
        acked = sum(op.acked for op in ops)
        return {"writes": len(ops), "acked": acked, "explored": explored, "groups": len(observed)}

    def _time_ok(self, wid: int, ns: int) -> bool:
        op = self.ops_by_wid.get(wid)
        return op is not None and op.send_ns - EPS_NS <= ns <= op.end_ns + EPS_NS

    def _check_group(self, key: Labels, ops: list[Op], obs: Observed | None, context: str) -> int:
        # Family time stamps: each names its write's arrival; all families of one write share it.
        write_ns: dict[int, int] = {}
        this_round = {op.wid for op in ops}
        if obs is not None:
            for name, wid in obs.families.items():
                ns = obs.family_ns[name]
                if wid in this_round:
                    assert self._time_ok(wid, ns), (
                        f"{context} {key}: {name} time_stamp {ns} outside write {wid}'s request "
                        f"({self.ops_by_wid[wid].describe()}, sent {self.ops_by_wid[wid].send_ns})"
                    )
                    assert write_ns.setdefault(wid, ns) == ns, f"{context} {key}: write {wid} has two time stamps"
                else:
                    carried = self.family_ns.get((key, name))
                    assert carried == (wid, ns), (
                        f"{context} {key}: {name} is from write {wid} at {ns}, but the previous restart showed {carried}"
                    )

        def comp_ok(comp: Comp, ns: int) -> bool:
            if isinstance(comp, tuple):
                return comp[1] == ns
            return self._time_ok(comp, ns) and write_ns.get(comp, ns) == ns

        def accepts(state: State) -> bool:
            if state is None or obs is None:
                return state is None and obs is None
            families, push, failure = state
            return dict(families) == obs.families and comp_ok(push, obs.push_ns) and comp_ok(failure, obs.failure_ns)

        clients = sorted({op.client for op in ops})
        lists = [[op for op in ops if op.client == c] for c in clients]
        need = [sum(op.acked for op in lst) for lst in lists]
        for lst in lists:
            assert all(op.acked for op in lst[:-1]), "a client went on after an unacknowledged write"
        # A family delete's answer tells whether the family was there when it ran (202) or not (404).
        # Unanswered writes are modelled as applied or not; their effect, if applied, is deterministic.
        ends = [[op.end_ns for op in lst] for lst in lists]
        # before[t][i][u]: how many of client u's writes were answered before write i of client t was sent.
        before = [[[bisect_left(ends[u], op.send_ns) for u in range(len(lists))] for op in lst] for lst in lists]

        start: tuple[tuple[int, ...], State] = (tuple(0 for _ in lists), self.initial.get(key))
        seen = {start}
        stack = [start]
        while stack:
            vector, state = stack.pop()
            if all(v >= n for v, n in zip(vector, need, strict=True)) and accepts(state):
                return len(seen)
            for t, lst in enumerate(lists):
                i = vector[t]
                if i >= len(lst):
                    continue
                if any(vector[u] < before[t][i][u] for u in range(len(lists)) if u != t):
                    continue
                after = apply(state, lst[i])
                if after is IMPOSSIBLE:
                    continue
                nxt = ((*vector[:t], i + 1, *vector[t + 1 :]), after)
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
            assert len(seen) < 3_000_000, f"{context} {key}: search space too large"
        raise AssertionError(_explain(context, key, obs, self.initial.get(key), lists))


IMPOSSIBLE: State = ((("<impossible>", -1),), -1, -1)  # a sentinel, compared by identity


def apply(state: State, op: Op) -> State:
    """The group after one write (the store's rules), or IMPOSSIBLE if the write's answer contradicts the state."""
    if op.kind in ("DELETE", "WIPE"):
        return None
    if op.kind == "FAMDEL":
        name = op.families[0]
        present = state is not None and name in dict(state[0])
        if (op.status == 202 and not present) or (op.status == 404 and present):
            return IMPOSSIBLE
        if state is None or not present:
            return state
        remaining = tuple(item for item in state[0] if item[0] != name)
        return (remaining, state[1], state[2])
    if state is None:
        families: dict[str, int] = {}
        failure: Comp = op.wid
    else:
        families = dict(state[0]) if op.kind == "POST" else {}
        failure = state[2]
    for name in op.families:
        families[name] = op.wid
    return (tuple(sorted(families.items())), op.wid, failure)


def _explain(context: str, key: Labels, obs: Observed | None, initial: State, lists: list[list[Op]]) -> str:
    lines = [
        f"{context}: group {dict(key)} after restart is not a state the acknowledged writes allow.",
        f"  observed: {None if obs is None else {'families': obs.families, 'push_ns': obs.push_ns}}",
        f"  state at the start of the round: {initial}",
    ]
    for lst in lists:
        acked = [op for op in lst if op.acked]
        tail = acked[-3:] + [op for op in lst if not op.acked]
        lines.append(f"  client {lst[0].client}: {len(lst)} writes, {len(acked)} acknowledged; last ones:")
        lines += [f"    {op.describe()} sent={op.send_ns} answered={op.recv_ns}" for op in tail]
    return "\n".join(lines)
