"""The gateway's own metrics, under the upstream names, plus prometheus-client's process/python ones."""

from __future__ import annotations

import math
import platform
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from bridge import buildinfo
from bridge.protocol.model import Metric, MetricFamily, MetricType, Summary

REQUESTS = "pushgateway_http_requests_total"
PUSH_SIZE = "pushgateway_http_push_size_bytes"
PUSH_DURATION = "pushgateway_http_push_duration_seconds"
BUILD_INFO = "pushgateway_build_info"
EXPIRED = "pgw_bridge_groups_expired_total"
OBJECTIVES = (0.1, 0.5, 0.9)
_MAX_AGE_NS = 600 * 1_000_000_000
_MAX_SAMPLES = 4096

OWN_HELP: dict[str, tuple[MetricType, str]] = {
    REQUESTS: (MetricType.COUNTER, "Total HTTP requests processed by the Pushgateway, excluding scrapes."),
    PUSH_SIZE: (MetricType.SUMMARY, "HTTP request size for pushes to the Pushgateway."),
    PUSH_DURATION: (MetricType.SUMMARY, "HTTP request duration for pushes to the Pushgateway."),
    EXPIRED: (MetricType.COUNTER, "Groups deleted because their last push was older than their TTL (extension)."),
    BUILD_INFO: (
        MetricType.GAUGE,
        "A metric with a constant '1' value labeled by version, revision, branch, goversion from "
        "which pushgateway was built, and the goos and goarch for the build.",
    ),
}

_CLIENT_TYPES = {
    "counter": MetricType.COUNTER,
    "gauge": MetricType.GAUGE,
    "info": MetricType.GAUGE,
    "summary": MetricType.SUMMARY,
    "unknown": MetricType.UNTYPED,
}


class WindowedSummary:
    """Observations of the last ten minutes (at most 4096), reported with the 0.1/0.5/0.9 quantiles."""

    __slots__ = ("_window", "count", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self._window: deque[tuple[int, float]] = deque(maxlen=_MAX_SAMPLES)

    def observe(self, value: float, now_ns: int) -> None:
        self.count += 1
        self.total += value
        self._window.append((now_ns, value))

    def quantiles(self, now_ns: int) -> list[tuple[float, float]]:
        window = self._window
        while window and window[0][0] < now_ns - _MAX_AGE_NS:
            window.popleft()
        values = sorted(v for _, v in window)
        if not values:
            return [(q, math.nan) for q in OBJECTIVES]
        return [(q, values[min(len(values) - 1, int(q * len(values)))]) for q in OBJECTIVES]


class OwnMetrics:
    """Counts requests and pushes, and gathers everything the gateway exposes about itself."""

    def __init__(self, build_info: dict[str, str], clock: Callable[[], int] = time.time_ns) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], float] = {}
        self._sizes: dict[str, WindowedSummary] = {}
        self._durations: dict[str, WindowedSummary] = {}
        self._expired: dict[str, float] = {}
        self._extra: list[Callable[[], Iterable[MetricFamily]]] = []
        self._build_labels = tuple(sorted(build_info.items()))
        self._registry = CollectorRegistry(auto_describe=False)
        ProcessCollector(registry=self._registry)
        PlatformCollector(registry=self._registry, platform=platform)
        GCCollector(registry=self._registry)
        self.families_known: dict[str, tuple[MetricType, str]] = dict(OWN_HELP)
        for family in self._client_families():
            self.families_known.setdefault(family.name, (family.type, family.help or ""))

    def add_collector(
        self, collect: Callable[[], Iterable[MetricFamily]], known: dict[str, tuple[MetricType, str]]
    ) -> None:
        """Expose more families of the process's own (the spool bridge's, for instance)."""
        self._extra.append(collect)
        self.families_known.update(known)

    def request(self, handler: str, code: int, method: str) -> None:
        """Count one answered request for `pushgateway_http_requests_total`."""
        key = (str(code), handler, method.lower())
        with self._lock:
            self._requests[key] = self._requests.get(key, 0.0) + 1.0

    def expired(self, job: str) -> None:
        """Count a group deleted by the TTL extension."""
        with self._lock:
            self._expired[job] = self._expired.get(job, 0.0) + 1.0

    def push(self, method: str, size: int, seconds: float) -> None:
        """Observe a request that reached the push handler (failed ones too)."""
        now = self._clock()
        method = method.lower()
        with self._lock:
            # get, not setdefault: its default (a 4096-slot deque) would be built on every push.
            sizes = self._sizes.get(method)
            if sizes is None:
                sizes = self._sizes[method] = WindowedSummary()
            durations = self._durations.get(method)
            if durations is None:
                durations = self._durations[method] = WindowedSummary()
            sizes.observe(float(size), now)
            durations.observe(seconds, now)

    def _client_families(self) -> list[MetricFamily]:
        families: list[MetricFamily] = []
        for collected in self._registry.collect():
            mtype = _CLIENT_TYPES.get(collected.type)
            if mtype is None:
                continue
            name = collected.name
            if mtype is MetricType.COUNTER:
                name += "_total"
            if collected.type == "info":
                name += "_info"
            metrics = []
            for sample in collected.samples:
                if sample.name.endswith("_created"):
                    continue
                labels = tuple(sorted(sample.labels.items()))
                if mtype is MetricType.COUNTER:
                    metrics.append(Metric(labels=labels, counter=float(sample.value)))
                elif mtype is MetricType.UNTYPED:
                    metrics.append(Metric(labels=labels, untyped=float(sample.value)))
                else:
                    metrics.append(Metric(labels=labels, gauge=float(sample.value)))
            families.append(MetricFamily(name, mtype, collected.documentation, metrics))
        return families

    def _summary_family(self, name: str, source: dict[str, WindowedSummary], now: int) -> MetricFamily:
        mtype, help_text = OWN_HELP[name]
        metrics = [
            Metric(
                labels=(("method", method),),
                summary=Summary(summary.count, summary.total, summary.quantiles(now)),
            )
            for method, summary in sorted(source.items())
        ]
        return MetricFamily(name, mtype, help_text, metrics)

    def families(self) -> list[MetricFamily]:
        """Everything the gateway says about itself right now."""
        now = self._clock()
        with self._lock:
            requests = MetricFamily(
                REQUESTS,
                MetricType.COUNTER,
                OWN_HELP[REQUESTS][1],
                [
                    Metric(labels=(("code", c), ("handler", h), ("method", m)), counter=v)
                    for (c, h, m), v in sorted(self._requests.items())
                ],
            )
            expired = MetricFamily(
                EXPIRED,
                MetricType.COUNTER,
                OWN_HELP[EXPIRED][1],
                [Metric(labels=(("job", job),), counter=v) for job, v in sorted(self._expired.items())],
            )
            sizes = self._summary_family(PUSH_SIZE, self._sizes, now)
            durations = self._summary_family(PUSH_DURATION, self._durations, now)
        build = MetricFamily(
            BUILD_INFO, MetricType.GAUGE, OWN_HELP[BUILD_INFO][1], [Metric(self._build_labels, gauge=1.0)]
        )
        out = [requests, sizes, durations, build, expired, *self._client_families()]
        for collect in self._extra:
            out.extend(collect())
        return out


def build_info() -> dict[str, str]:
    """The labels of `pushgateway_build_info` (Go 1.11's names, `tags` included; this implementation's values)."""
    return buildinfo.build_info()
