"""The results table: Go 1.11.0 and 1.5.1 vs ours (in memory, durable), each ratio against both, checked against the issue's targets, as Markdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = dict[str, Any]
KINDS = ("go111", "go", "mem", "durable")
GO_PEERS = (("go111", "ratio111", "1.11.0"), ("go", "ratio", "1.5.1"))
"""Each Go peer: its kind, the row key of ours ÷ it, its version."""


def _get(results: dict[str, Any], kind: str, *path: Any) -> Any:
    value: Any = results.get(kind)
    for key in path:
        if value is None:
            return None
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _at(results: dict[str, Any], *path: Any) -> Callable[[str], Any]:
    """A getter of one figure, asked of each kind of run ("go", "mem", "durable")."""
    return lambda kind: _get(results, kind, *path)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:,.2f} ms" if value < 10 else f"{value:,.0f} ms"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "B":
        return f"{value / 1e6:,.2f} MB" if value >= 1e6 else f"{value / 1e3:,.0f} KB"
    if unit == "B/series":
        return f"{value:,.0f} B"
    return f"{value:,.3g}"


def build_rows(results: dict[str, Any], levels: tuple[int, ...], head: dict[str, Any] | None = None) -> list[Row]:
    """Every figure as a row; `target` is (op, bound): op `<=`/`>=` bounds the ratio to each Go, `ms<=` ours itself.

    The ratio columns are `of` (ours in memory unless the row says otherwise) ÷ each Go.
    """
    rows: list[Row] = []

    def add(name: str, unit: str, getter: Callable[[str], Any], target: tuple[str, float] | None = None,
            note: str = "", of: str = "mem", goal: bool = False) -> None:  # fmt: skip
        values = {kind: getter(kind) for kind in KINDS}
        ours = values[of]
        ratios = {key: ours / values[go] if values[go] and ours is not None else None for go, key, _ in GO_PEERS}
        rows.append({"scenario": name, "unit": unit, **values, **ratios, "target": target, "note": note, "of": of,
                     "goal": goal})  # fmt: skip

    for level in levels:
        lat = ("levels", level, "latency")
        bounded = [
            f"{version} n={n}"
            for kind, _, version in GO_PEERS
            if (n := _get(results, kind, *lat, "n")) is not None and n < 50
        ]
        note = f"Go {', '.join(bounded)}" if bounded else ""
        # Issue 12: an empty store's push p50 at most half of Go's (round 1: 1.5x).
        target = {0: ("<=", 0.5), 10_000: ("<=", 0.01)}.get(level)
        add(f"1. push p50, {level:,} groups", "ms", _at(results, *lat, "p50_ms"), target, note, goal=level == 0)
        add(f"1. push p99, {level:,} groups", "ms", _at(results, *lat, "p99_ms"), None, note)
    top = levels[-1]
    rows.append(_flat_row(results, top))
    small = _at(results, "throughput_small", "pushes_per_s")
    add("2. throughput, 16 clients, 10 groups", "/s", small, (">=", 3.0), goal=True)  # issue 12 (round 1: 1x)
    add("2. throughput with --persistence.file, 16 clients, 10 groups", "/s", small, (">=", 2.0),
        note="ratio columns: ours durable ÷ Go in memory", of="durable", goal=True)  # fmt: skip
    add("2. throughput, 16 clients, 10,000 groups", "/s",
        _at(results, "levels", 10_000, "throughput", "pushes_per_s"), (">=", 20.0))  # fmt: skip
    for level in levels:
        for name, path, bound in (("/metrics", "metrics", 0.25), ("/api/v1/metrics", "api", 0.5)):
            for enc in ("plain", "gzip"):
                sc = ("levels", level, "scrape", f"{path}_{enc}")
                if all(_get(results, kind, *sc) is None for kind in KINDS):
                    continue
                target = ("<=", bound) if (level >= 10_000 or path == "api") else None
                add(f"3. {name} {enc}, {level:,} groups", "ms", _at(results, *sc, "p50_ms"), target)
                add(f"3. {name} {enc} size, {level:,} groups", "B", _at(results, *sc, "bytes"))
    for level in levels:
        rss = ("levels", level, "rss", "per_series_bytes")
        if _get(results, "mem", *rss) is not None:
            add(
                f"4. RSS per stored series, {level:,} groups",
                "B/series",
                _at(results, *rss),
                ("<=", 1.0),
            )
        after = ("levels", level, "rss_after_scrapes", "per_series_bytes")
        if _get(results, "mem", *after) is not None:
            add(
                f"4. RSS per stored series after the scrapes, {level:,} groups",
                "B/series",
                _at(results, *after),
                note="no target; caches built by scrapes included",
            )
    for level in (0, 10_000):
        if level in levels:
            rows.append(_durable_row(results, level))
    for op in ("delete", "wipe"):
        dw = ("delete_wipe", op)
        count = next(
            (c for k in ("mem", "durable", "go111", "go") if (c := _get(results, k, *dw, "groups")) is not None), None
        )
        if count is None:
            continue
        what = f"DELETE {count:,} groups one by one" if op == "delete" else f"wipe {count:,} groups"
        answered = _at(results, *dw, "answered_ms")
        # Issue 12: a DELETE answered no slower than Go's (which answers before applying it).
        add(f"6. {what} at {top:,}: answered", "ms", answered, ("<=", 1.0) if op == "delete" else None,
            goal=op == "delete")  # fmt: skip
        if op == "delete":
            add(f"6. {what} at {top:,}: answered, durable", "ms", answered,
                note="ratio columns: ours durable ÷ Go", of="durable")  # fmt: skip
        else:
            add(f"6. {what} at {top:,}: answered, durable", "ms", answered, ("ms<=", 50.0),
                note="target: ours durable, absolute", of="durable", goal=True)  # fmt: skip
        add(f"6. {what} at {top:,}: visible in the API", "ms", _at(results, *dw, "visible_ms"),
            note="includes the read that shows it")  # fmt: skip
        if op == "wipe":
            _stall_rows(results, what, top, add)
    if head:
        rounds = len(next(iter(head.values()))["rounds"]["p50_ms"])
        note = f"head to head, median of {rounds} rounds"
        at = {kind: head.get(kind, {}) for kind in KINDS}
        add("1. push p50, empty store", "ms", lambda kind: at[kind].get("p50_ms"), ("<=", 0.5), note, goal=True)
        rate = lambda kind: at[kind].get("pushes_per_s")  # noqa: E731
        add("2. throughput, 16 clients, 10 groups", "/s", rate, (">=", 3.0), note, goal=True)
        add("2. throughput with --persistence.file, 16 clients, 10 groups", "/s", rate, (">=", 2.0),
            f"{note}; ratio columns: ours durable ÷ Go in memory", of="durable", goal=True)  # fmt: skip
    for row in rows:
        row["met"] = _met(row)
    return rows


def _stall_rows(results: dict[str, Any], what: str, top: int, add: Callable[..., None]) -> None:
    """The wipe's stall probe: the worst and p99 push of a client pushing meanwhile, and when the rows were gone."""
    dw = ("delete_wipe", "wipe")
    if all(_get(results, kind, *dw, "stall_max_ms") is None for kind in KINDS):
        return
    n = _get(results, "durable", *dw, "stall_n")
    window = _get(results, "durable", *dw, "probe_window_ms")
    seen = f"; durable: {n:,} pushes in {window / 1000:.1f} s" if n and window else ""
    note = f"a client pushing on its own connection until the rows are collected{seen}; target: ours durable, absolute"
    add(f"6. {what} at {top:,}: worst push meanwhile, durable", "ms", _at(results, *dw, "stall_max_ms"),
        ("ms<=", 20.0), note, of="durable", goal=True)  # fmt: skip
    add(f"6. {what} at {top:,}: push p99 meanwhile, durable", "ms", _at(results, *dw, "stall_p99_ms"),
        note="same probe; ratio columns: ours durable ÷ Go", of="durable")  # fmt: skip
    add(f"6. {what} at {top:,}: wiped rows collected, durable", "ms", _at(results, *dw, "collected_ms"),
        note="until a read-only connection finds none left in the file", of="durable")  # fmt: skip


def _flat_row(results: dict[str, Any], top: int) -> Row:
    at0 = _get(results, "mem", "levels", 0, "latency", "p50_ms")
    attop = _get(results, "mem", "levels", top, "latency", "p50_ms")
    d0 = _get(results, "durable", "levels", 0, "latency", "p50_ms")
    dtop = _get(results, "durable", "levels", top, "latency", "p50_ms")
    goes = {}
    for kind, _, _ in GO_PEERS:
        g0 = _get(results, kind, "levels", 0, "latency", "p50_ms")
        gtop = _get(results, kind, "levels", top, "latency", "p50_ms")
        goes[kind] = gtop / g0 if g0 and gtop else None
    flat = attop / at0 if at0 and attop else None
    return {
        "scenario": f"1. flat: push p50 at {top:,} ÷ at 0 groups", "unit": "x", **goes,
        "mem": flat, "durable": dtop / d0 if d0 and dtop else None, "target": ("<=", 2.0),
        "note": "ratio columns: ours in memory, not against Go", "ratio111": flat, "ratio": flat, "own": True,
    }  # fmt: skip


def _durable_row(results: dict[str, Any], level: int) -> Row:
    mem = _get(results, "mem", "levels", level, "latency", "p50_ms")
    dur = _get(results, "durable", "levels", level, "latency", "p50_ms")
    ratio = dur / mem if dur and mem else None
    return {
        "scenario": f"5. durable push p50 ÷ in-memory p50, {level:,} groups", "unit": "ms", "go111": None, "go": None,
        "mem": mem, "durable": dur, "ratio111": ratio, "ratio": ratio, "target": ("<=", 2.0),
        "note": "ratio columns: durable ÷ in memory, not against Go", "own": True,
    }  # fmt: skip


def _met(row: Row) -> str:
    """The target against each Go peer that was measured: `yes`, or which one it misses."""
    target = row["target"]
    if target is None:
        return ""
    op, bound = target
    if op == "ms<=":
        value = row.get(row.get("of", "mem"))
        return "n/a" if value is None else ("yes" if value <= bound else "**no**")
    verdicts = []
    for _, key, version in GO_PEERS:
        ratio = row.get(key)
        if ratio is not None:
            verdicts.append((version, ratio <= bound if op == "<=" else ratio >= bound))
    if not verdicts:
        return "n/a"
    missed = [version for version, ok in verdicts if not ok]
    if row.get("own"):  # one ratio of ours, shown in both columns
        return "yes" if not missed else "**no**"
    return "yes" if not missed else f"**no** ({', '.join(missed)})"


def _ratio(ratio: float | None) -> str:
    return "—" if ratio is None else (f"{ratio:.4f}" if ratio < 0.01 else f"{ratio:.3g}")


def _target_text(target: tuple[str, float] | None) -> str:
    if target is None:
        return ""
    op, bound = target
    if op == "ms<=":
        return f"≤ {bound:g} ms"
    return f"{'≤' if op == '<=' else '≥'} {bound:g}"


def markdown_table(rows: list[Row], *, goals_only: bool = False) -> str:
    """The rows as a Markdown table; `goals_only`: the issue-12 gateway figures alone."""
    if goals_only:
        rows = [row for row in rows if row.get("goal")]
    lines = [
        "| scenario | Go 1.11.0 | Go 1.5.1 | ours in memory | ours durable | ours/Go 1.11.0 | ours/Go 1.5.1 | target | met? |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for row in rows:
        unit = row["unit"]
        target = row["target"]
        target_text = _target_text(target)
        name = row["scenario"] + (f" ({row['note']})" if row["note"] else "")
        lines.append(
            f"| {name} | {_fmt(row.get('go111'), unit)} | {_fmt(row['go'], unit)} | {_fmt(row['mem'], unit)} "
            f"| {_fmt(row['durable'], unit)} | {_ratio(row.get('ratio111'))} | {_ratio(row['ratio'])} "
            f"| {target_text} | {row['met']} |"
        )
    return "\n".join(lines)
