"""Fuzzing the whole app in-process: never a 500 or an escaping exception; a rejected request changes nothing.

`make test` runs a bounded number of examples; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) runs many more.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.protocol.model import TIMESTAMP_FAMILIES, MetricFamily
from bridge.protocol.protobuf import encode_delimited
from bridge.protocol.textrender import render_family
from tests.integration.asgi import client, make_app, stored_text
from tests.support.metrics_pb import PROTO_CT
from tests.support.strategies import families

SEED = [
    ("/metrics/job/seed", b"# TYPE shared counter\nshared 1\n# HELP up up\nup 1\n"),
    (
        "/metrics/job/seed/instance/i",
        b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 2\n# TYPE shared counter\nshared{x="1"} 3\n',
    ),
]

segments = st.one_of(
    st.sampled_from(
        [
            "job",
            "job@base64",
            "instance",
            "a",
            "le",
            "quantile",
            "__name__",
            "1x",
            "x@base64",
            "",
            "=",
            "YQ",
            "Y",
            ".",
            "..",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_characters="/?#"), max_size=6).map(
        lambda t: t.encode().hex()[:8] if t else t
    ),
    st.sampled_from(["%2F", "%FF", "%zz", "%20", "+", "%C3%A9"]),
)
paths = st.one_of(
    st.lists(segments, min_size=0, max_size=6).map(lambda parts: "/metrics/job/" + "/".join(parts)),
    st.lists(segments, min_size=1, max_size=5).map(lambda parts: "/metrics/job@base64/" + "/".join(parts)),
    st.sampled_from(
        [
            "/metrics",
            "/api/v1/metrics",
            "/api/v1/status",
            "/-/healthy",
            "/api/v1/admin/wipe",
            "/-/quit",
            "/",
            "/api/v1/extensions/family/x/job/seed",
            "/metrics//job/x",
        ]
    ),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#"), max_size=20).map(
        lambda t: "/" + t
    ),
)


def _mangle(data: bytes, cuts: list[int]) -> bytes:
    out = bytearray(data)
    for cut in cuts:
        if out:
            del out[cut % len(out)]
    return bytes(out)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    fams: list[MetricFamily] = draw(st.lists(families(), max_size=3, unique_by=lambda f: f.name))
    kind = draw(st.sampled_from(["text", "proto", "raw"]))
    headers: dict[str, str] = {}
    if kind == "text":
        body = b"".join(render_family(f) for f in fams)
    elif kind == "proto":
        body = encode_delimited(fams)
        headers["Content-Type"] = PROTO_CT
    else:
        body = draw(st.binary(max_size=60))
    if draw(st.booleans()):
        body = _mangle(body, draw(st.lists(st.integers(0, 10_000), max_size=3)))
    if draw(st.integers(0, 4)) == 0:
        body = gzip.compress(body) if draw(st.booleans()) else body
        headers["Content-Encoding"] = draw(st.sampled_from(["gzip", "GZIP", "br", "x"]))
    if draw(st.integers(0, 5)) == 0:
        headers["Content-Type"] = draw(
            st.sampled_from(["application/json", "garbage;;", PROTO_CT.upper(), "text/plain"])
        )
    return body, headers


def _state(app: Any) -> tuple[Any, bytes]:
    return json.loads(app.gateway.api_metrics()), stored_text(app)


def _without_timestamps(api: Any) -> list[Any]:
    groups = []
    for group in api["data"]:
        families = {k: v for k, v in group.items() if k not in TIMESTAMP_FAMILIES and k != "last_push_successful"}
        if set(families) != {"labels"}:
            groups.append(families)
    return sorted(groups, key=lambda g: json.dumps(g["labels"], sort_keys=True))


async def _exchange(method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
    app = make_app(enable_admin_api=True, max_body_bytes=50_000)
    async with client(app) as c:
        for seed_path, seed_body in SEED:
            assert (await c.put(seed_path, content=seed_body)).status_code == 200
        before = _state(app)
        request = c.build_request(method, "http://gw/", content=body, headers=headers)
        request.url = request.url.copy_with(raw_path=path.encode())
        response = await c.send(request)
        assert response.status_code < 500, (response.status_code, response.text)
        after = _state(app)
        if response.status_code >= 400:
            if response.text.startswith("pushed metrics are invalid or inconsistent"):
                # Go semantics: the failure is recorded in the timestamps, nothing else changes.
                assert _without_timestamps(after[0]) == _without_timestamps(before[0])
            else:
                assert after == before, (method, path, response.status_code, response.text)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(st.sampled_from(["PUT", "POST", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH"]), paths, bodies())
def test_fuzz_requests(method: str, path: str, body_and_headers: tuple[bytes, dict[str, str]]) -> None:
    body, headers = body_and_headers
    asyncio.run(_exchange(method, path, body, headers))
