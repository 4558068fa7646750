"""The cached `/metrics` read model: stored families merged across groups, sorted as Go sorts them.

Each series is rendered once, at the first read after it is written (a write only notes which
group's family changed; a group pushed a hundred times between two scrapes is rendered once,
and a gateway nobody scrapes renders nothing); each family keeps its series in the order
client_golang's metricSorter gives (fewer labels first, then label values position by
position), in chunks that keep their gzip-compressed form until they change. A plain scrape
is one join of the rendered series; a gzip scrape recompresses only the chunks that changed.
Pending writes are rendered at once when more than `MAX_PENDING` pile up, so the first scrape
after a burst of pushes to many groups (or a restore) costs at most that many renders more.
Removals (a deleted group, a dropped family) are also queued for `render_removals`, which the
gateway runs a few at a time once no delete has come for a moment (`Gateway`), so a DELETE's
answer does not wait for its series to leave the sorted chunks; a read renders whatever is
left first, as for any pending write. They have a bound of their own, `MAX_PENDING_REMOVALS`:
a burst of deletes with no read and no pause renders them at once only past it.

HELP rule (the Go gateway picks a random group's HELP per scrape): the HELP of the group that
most recently pushed a non-empty HELP for the family wins; ties go to the smaller grouping key.
Families sharing a name with one of the gateway's own metrics take the gateway's HELP.

Names (1.11): each scrape asks for an escaping of names that are not legacy-valid
(`names.Escaping`). A family whose name and label names are all legacy-valid looks the same
under every escaping, so it is served from the cache above whatever was asked; only the
families holding such a name (`needs_escaping`) are rendered per escaping, each kept until it
changes. With none in the store, a scrape costs exactly what it did before escaping existed.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import Any

from bridge.gateway.reads.gzipjoin import deflate_piece, gzip_pieces
from bridge.gateway.reads.sorted_chunks import SortedChunks
from bridge.gateway.store.metric_store import Store
from bridge.gateway.store.types import Change, Group, StoredFamily
from bridge.protocol import protobuf
from bridge.protocol.grouping import GroupKey
from bridge.protocol.model import Labels, Metric, MetricFamily, MetricType
from bridge.protocol.names import DEFAULT_ESCAPING, Escaping, escape_family, is_legacy_metric_name, odd_labels
from bridge.protocol.textrender import render_escaped, render_header, render_metric

MAX_PENDING = 4096
"""Written families (one per group and name) left unrendered before a write renders every pending one."""
MAX_PENDING_REMOVALS = 16384
"""Removed families left unrendered before a write renders every pending one (about 2,300 deleted
groups of 7 families, some 50-80 ms for the read or write that renders them)."""
REMOVALS_PER_STEP = 16
"""Removed families `render_removals` renders by default in one call (a few µs each; a group has 7 in the bench)."""


def sort_key(labels: Labels) -> tuple[Any, ...]:
    """client_golang's metric order: label count, then values by position; names break ties."""
    # Unpacked by hand up to three labels (what most series have): 0.27 µs instead of 0.66 for
    # zip, on every series a push renders or a delete removes.
    count = len(labels)
    if count == 3:
        (n1, v1), (n2, v2), (n3, v3) = labels
        return (3, v1, v2, v3, n1, n2, n3)
    if count == 2:
        (n1, v1), (n2, v2) = labels
        return (2, v1, v2, n1, n2)
    if count == 1:
        ((n1, v1),) = labels
        return (1, v1, n1)
    if not count:
        return (0,)
    names, values = zip(*labels, strict=True)
    return (count, *values, *names)


class _Family:
    __slots__ = ("escaped", "header", "header_gz", "helps", "odd", "series")

    def __init__(self) -> None:
        self.series: SortedChunks[Metric] = SortedChunks()
        self.helps: dict[str | None, int] = {}
        self.header: bytes | None = None
        self.header_gz: bytes | None = None
        self.odd = 0
        """How many of the stored families behind it need escaping (`needs_escaping`)."""
        self.escaped: dict[Escaping, bytes] = {}
        """The family's text per escaping, while `odd` (cleared whenever it changes)."""

    def changed(self) -> None:
        self.header = self.header_gz = None
        if self.escaped:
            self.escaped = {}


def _odd(family: MetricFamily) -> bool:
    return not is_legacy_metric_name(family.name) or any(odd_labels(m.labels) for m in family.metrics)


class Exposition:
    """Store listener that keeps every family ready to be written out."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._families: dict[str, _Family] = {}
        self._names: list[str] = []
        self._odd = 0  # families (per group) that need escaping, store-wide
        self._own_help = {name: help_text for name, (_t, help_text) in store.own_families.items()}
        self._pending: dict[tuple[str, GroupKey], list[StoredFamily | None]] = {}
        """(name, group) -> [what the rendered state shows, what the store holds now]; None: nothing."""
        self._removals: list[tuple[str, GroupKey]] = []
        """Keys of `_pending` noted as removals since the last flush (stale ones are skipped)."""
        store.add_listener(self)

    # ----------------------------------------------------------- listener side
    def applied(self, group: Group, change: Change, before: dict[str, StoredFamily]) -> None:
        """Note what the change wrote and removed; it is rendered at the next read (`_flush`)."""
        pending = self._pending
        key = group.key
        removals = self._removals
        for name in change.removed:
            slot_key = (name, key)  # one tuple for the three uses (a DELETE notes 7 families)
            slot = pending.get(slot_key)
            if slot is None:
                gone = before.get(name)
                if gone is not None:
                    pending[slot_key] = [gone, None]
                    removals.append(slot_key)
            else:
                slot[1] = None
                removals.append(slot_key)
        for name, stored in change.written.items():
            slot = pending.get((name, key))
            if slot is None:
                pending[name, key] = [before.get(name), stored]
            else:
                slot[1] = stored
        if len(removals) > MAX_PENDING_REMOVALS or len(pending) > MAX_PENDING + len(removals):
            self._flush()

    def cleared(self, released: list[object]) -> None:
        """Start afresh; the old entries are freed later."""
        for entry in self._families.values():
            released += entry.series.detach()
        released += [self._families, self._names, self._pending]
        self._families = {}
        self._names = []
        self._pending = {}
        self._removals = []
        self._odd = 0

    def render_removals(self, limit: int = REMOVALS_PER_STEP) -> bool:
        """Render up to `limit` pending removals (no other pending write); True while more are queued.

        Removals commute with one another, and a flush renders every removal before any
        addition, so rendering some early leaves what the next flush renders unchanged.
        """
        removals = self._removals
        pending = self._pending
        while removals and limit > 0:
            slot_key = removals.pop()
            slot = pending.get(slot_key)
            if slot is None or slot[1] is not None:
                continue  # rendered already, or written again since: the flush renders it
            del pending[slot_key]
            shown = slot[0]
            if shown is not None:  # else added and removed again before any read: nothing to do
                self._remove(shown)
                limit -= 1
        return bool(removals)

    def _flush(self) -> None:
        """Render every pending write: removals first, so that a series moving between groups is never there twice."""
        pending = self._pending
        if not pending:
            return
        self._pending = {}
        self._removals = []
        added: list[StoredFamily] = []
        for shown, now in pending.values():
            if shown is now:  # added and removed again, or written back as it was
                continue
            if now is None:
                if shown is not None:
                    self._remove(shown)
            elif shown is None:
                added.append(now)
            elif shown.family.type is now.family.type and _same_series(shown.family.metrics, now.family.metrics):
                self._replace(shown, now)
            else:
                self._remove(shown)
                added.append(now)
        for stored in added:
            self._add(stored)

    def _add(self, stored: StoredFamily) -> None:
        family = stored.family
        name = family.name
        entry = self._families.get(name)
        if entry is None:
            entry = self._families[name] = _Family()
            insort(self._names, name)
        entry.helps[family.help] = entry.helps.get(family.help, 0) + 1
        entry.changed()
        if _odd(family):
            entry.odd += 1
            self._odd += 1
        series = entry.series
        mtype = family.type
        for metric in family.metrics:
            series.add(sort_key(metric.labels), render_metric(name, mtype, metric), metric)

    def _remove(self, stored: StoredFamily) -> None:
        family = stored.family
        name = family.name
        entry = self._families[name]
        left = entry.helps[family.help] - 1
        if left:
            entry.helps[family.help] = left
        else:
            del entry.helps[family.help]
        entry.changed()
        # A stored family never changes, so it needs escaping now if it did when added; with none
        # of those under this name, there is no need to look (a walk over every label name).
        if entry.odd and _odd(family):
            entry.odd -= 1
            self._odd -= 1
        series = entry.series
        for metric in family.metrics:
            series.remove(sort_key(metric.labels))
        if not entry.helps:
            del self._families[name]
            del self._names[bisect_left(self._names, name)]

    def _replace(self, old: StoredFamily, new: StoredFamily) -> None:
        """A re-push of the same series (the usual case, checked by the caller): update them in place."""
        before, after = old.family, new.family
        entry = self._families[after.name]
        if before.help != after.help:
            helps = entry.helps
            left = helps[before.help] - 1
            if left:
                helps[before.help] = left
            else:
                del helps[before.help]
            helps[after.help] = helps.get(after.help, 0) + 1
        entry.changed()
        series = entry.series
        name, mtype = after.name, after.type
        for metric in after.metrics:
            series.replace(sort_key(metric.labels), render_metric(name, mtype, metric), metric)

    # ----------------------------------------------------------- read side
    def _help(self, name: str, entry: _Family) -> str | None:
        own = self._own_help.get(name)
        if own is not None:
            return own
        helps = entry.helps
        if len(helps) == 1:
            return next(iter(helps))
        winner: str | None = None
        winner_ns = 0
        winner_key: GroupKey = ()
        explicit_empty = False
        # Two sources of one truth: the counts above settle the usual case (one HELP everywhere)
        # without a walk; a mixed family needs each group's push time, which only the store's
        # per-name index holds. The counts could live in that index as well (one source, about
        # 0.1 µs more per family write, measured for issue 10).
        index = self._store.names.get(name)
        if index is None:
            return None
        for key, stored in index.groups.items():
            help_text = stored.family.help
            if not help_text:
                explicit_empty = explicit_empty or help_text == ""
                continue
            pushed = stored.timestamp_ns
            # The latest push wins; on a tie, the smaller grouping key.
            if winner is None or pushed > winner_ns or (pushed == winner_ns and key < winner_key):
                winner, winner_ns, winner_key = help_text, pushed, key
        if winner is None and explicit_empty:
            return ""
        return winner

    def _type(self, name: str) -> MetricType | None:
        index = self._store.names.get(name)
        if index is None or not index.nonempty_type_counts:
            return None
        return next(iter(index.nonempty_type_counts))

    def names(self) -> list[str]:
        """Stored family names in exposition order (families without series included)."""
        self._flush()
        return self._names

    def _header(self, name: str, entry: _Family) -> bytes:
        """HELP and TYPE lines of a stored family (kept until the family changes)."""
        if entry.header is None:
            mtype = self._type(name)
            assert mtype is not None
            entry.header = render_header(name, self._help(name, entry), mtype)
        return entry.header

    def merged_block(self, own: MetricFamily) -> bytes:
        """A family of the gateway's own that pushed series share: one header, all series sorted."""
        self._flush()
        entry = self._families.get(own.name)
        lines = [(sort_key(m.labels), render_metric(own.name, own.type, m)) for m in own.metrics]
        if entry is not None:
            lines.extend(entry.series.items())
        lines.sort(key=lambda item: item[0])
        return render_header(own.name, own.help, own.type) + b"".join(line for _, line in lines)

    def _merged_names(self, own_families: list[MetricFamily]) -> tuple[list[str], dict[str, MetricFamily]]:
        own_by_name = {f.name: f for f in own_families if f.metrics}
        return sorted(set(own_by_name).union(self._names)), own_by_name

    def _own_text(self, name: str, own: MetricFamily, escaping: Escaping) -> bytes:
        entry = self._families.get(name)
        if entry is None:
            return render_header(name, own.help, own.type) + b"".join(
                render_metric(name, own.type, m) for m in own.metrics
            )
        if entry.odd:
            return render_escaped(self._merged_family(own, entry), escaping)
        return self.merged_block(own)

    def _merged_family(self, own: MetricFamily, entry: _Family | None) -> MetricFamily:
        stored = list(entry.series.values()) if entry is not None else []
        metrics = sorted(own.metrics + stored, key=lambda m: sort_key(m.labels))
        return MetricFamily(own.name, own.type, own.help, metrics)

    def _stored_family(self, name: str, entry: _Family) -> MetricFamily:
        mtype = self._type(name)
        assert mtype is not None
        return MetricFamily(name, mtype, self._help(name, entry), list(entry.series.values()))

    def _escaped_text(self, name: str, entry: _Family, escaping: Escaping) -> bytes:
        """A stored family that needs escaping, as `escaping` shows it (kept until the family changes)."""
        text = entry.escaped.get(escaping)
        if text is None:
            text = entry.escaped[escaping] = render_escaped(self._stored_family(name, entry), escaping)
        return text

    def text(self, own_families: list[MetricFamily], escaping: Escaping = DEFAULT_ESCAPING) -> bytes:
        """The whole text exposition: own families and stored ones, merged by name, names escaped."""
        self._flush()
        names, own_by_name = self._merged_names(own_families)
        parts: list[bytes] = []
        for name in names:
            own = own_by_name.get(name)
            if own is not None:
                parts.append(self._own_text(name, own, escaping))
                continue
            entry = self._families[name]
            if not len(entry.series):
                continue
            if entry.odd:
                parts.append(self._escaped_text(name, entry, escaping))
                continue
            parts.append(self._header(name, entry))
            entry.series.extend_lines(parts)
        return b"".join(parts)

    def gzip_text(self, own_families: list[MetricFamily], escaping: Escaping = DEFAULT_ESCAPING) -> bytes:
        """`text()` gzip-compressed, from the compressed chunks kept per family."""
        return gzip_pieces(self._gzip_parts(own_families, escaping))

    def _gzip_parts(self, own_families: list[MetricFamily], escaping: Escaping) -> Iterator[tuple[bytes, bytes | None]]:
        self._flush()
        names, own_by_name = self._merged_names(own_families)
        for name in names:
            own = own_by_name.get(name)
            if own is not None:
                yield self._own_text(name, own, escaping), None
                continue
            entry = self._families[name]
            if not len(entry.series):
                continue
            if entry.odd:
                yield self._escaped_text(name, entry, escaping), None
                continue
            header = self._header(name, entry)
            if entry.header_gz is None:
                entry.header_gz = deflate_piece(header)
            yield header, entry.header_gz
            yield from entry.series.pieces(deflate_piece)

    def families(self, own_families: list[MetricFamily], escaping: Escaping = DEFAULT_ESCAPING) -> list[MetricFamily]:
        """Merged families in exposition order, names escaped, for the protobuf formats (not cached)."""
        self._flush()
        own_by_name = {f.name: f for f in own_families if f.metrics}
        result: list[MetricFamily] = []
        for name in sorted(set(own_by_name).union(self._names)):
            own = own_by_name.get(name)
            entry = self._families.get(name)
            if own is not None:
                family = self._merged_family(own, entry)
            elif entry is not None and len(entry.series):
                family = self._stored_family(name, entry)
            else:
                continue
            result.append(escape_family(family, escaping) if entry is not None and entry.odd else family)
        return result

    def protobuf(self, own_families: list[MetricFamily], escaping: Escaping = DEFAULT_ESCAPING) -> bytes:
        """Delimited protobuf of every merged family, names escaped."""
        return protobuf.encode_delimited(self.families(own_families, escaping))


def _same_series(before: list[Metric], after: list[Metric]) -> bool:
    if len(before) != len(after):
        return False
    return all(a.labels == b.labels for a, b in zip(before, after, strict=True))
