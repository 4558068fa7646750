"""The label rules of a pushed family: grouping labels forced on, `instance=""` added, sorted by name."""

from __future__ import annotations

from operator import itemgetter

from bridge.protocol.model import (
    PUSH_FAILURE_TIME_HELP,
    PUSH_TIME,
    PUSH_TIME_HELP,
    Labels,
    Metric,
    MetricFamily,
    MetricType,
)

_BY_NAME = itemgetter(0)
_INSTANCE_EMPTY = ("instance", "")


def bare_labels(grouping: dict[str, tuple[str, str]]) -> Labels:
    """The labels of a metric that has none of its own: the grouping labels and `instance`, sorted."""
    labels = list(grouping.values())
    if "instance" not in grouping:
        labels.append(_INSTANCE_EMPTY)
    labels.sort(key=_BY_NAME)
    return tuple(labels)


def sanitize(family: MetricFamily, grouping: dict[str, tuple[str, str]], bare: Labels | None = None) -> None:
    """Force grouping labels onto every metric, add `instance=""` if absent, sort by name.

    Metrics without labels of their own share one tuple, `bare` (computed if not given).
    """
    for metric in family.metrics:
        if not metric.labels:
            if bare is None:
                bare = bare_labels(grouping)
            metric.labels = bare
            continue
        labels: list[tuple[str, str]] = []
        done: set[str] = set()
        has_instance = False
        for pair in metric.labels:
            name = pair[0]
            if name in grouping and name not in done:
                labels.append(grouping[name])
                done.add(name)
            else:
                labels.append(pair)
            if name == "instance":
                has_instance = True
        for name, pair in grouping.items():
            if name not in done:
                labels.append(pair)
                if name == "instance":
                    has_instance = True
        if not has_instance:
            labels.append(_INSTANCE_EMPTY)
        labels.sort(key=_BY_NAME)
        metric.labels = tuple(labels)


def timestamp_family(
    name: str, grouping: dict[str, tuple[str, str]], value: float, bare: Labels | None = None
) -> MetricFamily:
    """A gateway-managed timestamp gauge for a group."""
    help_text = PUSH_TIME_HELP if name == PUSH_TIME else PUSH_FAILURE_TIME_HELP
    family = MetricFamily(name=name, type=MetricType.GAUGE, help=help_text, metrics=[Metric(gauge=value)])
    sanitize(family, grouping, bare)
    return family
