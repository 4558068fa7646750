"""HistoryWatcher, owned by the app: the range queries behind the group detail's chart and the cadence column.

Like the AlertsWatcher it runs its work as the app's workers and changes the app's state only
through `publish`. A history read is exclusive (a new range replaces the one in flight) and its
answers are kept a little while per group and range, so switching back is instant; a cadence
read covers the rows on screen, and a newer screenful replaces it. A PrometheusError becomes a
HistoryFailed or CadenceFailed message here (the chart and the column say why); anything else
reaches the app's error router.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any

from textual.app import App
from textual.worker import Worker

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.alerts.ranges import keys_by_job
from pgwtui.errors import PrometheusError
from pgwtui.messages import CadenceFailed, CadenceLoaded, HistoryFailed, HistoryLoaded
from pgwtui.models import Snapshot
from pgwtui.state import AppState, Clock
from pgwtui.views import cadence
from pgwtui.views.history import History, Window, assemble, history_range

READ_HISTORY = "history"
READ_CADENCE = "cadence"
HISTORY_KEEP = 30.0
"""How long a group's history over one range is shown again without asking (seconds)."""
_CACHED = 16

Candidates = dict[str, list[GroupKey]]


class HistoryWatcher:
    """The app's history side. Without a Prometheus every method does nothing."""

    def __init__(
        self,
        app: App[None],
        prometheus: PrometheusClient | None,
        *,
        clock: Clock,
        state: Callable[[], AppState],
        publish: Callable[[AppState], None],
    ) -> None:
        self._app = app
        self.prometheus = prometheus
        self._clock = clock
        self._state = state
        self._publish = publish
        self._histories: OrderedDict[tuple[GroupKey, str], History] = OrderedDict()
        self._candidates: tuple[Snapshot | None, Candidates] = (None, {})
        self._cadence_asked: tuple[GroupKey, ...] | None = None
        """The keys of the cadence read in flight (a request for the same keys does not restart it)."""

    def _start(self, work: Callable[[], Coroutine[Any, Any, None]], name: str, group: str) -> Worker[None]:
        """Run `work` as a worker of the app, replacing the one of its group in flight."""
        return self._app.run_worker(work, name=name, group=group, exclusive=True, exit_on_error=False)

    async def _keys_by_job(self) -> Candidates:
        """The gateway's grouping keys by job (what a series can belong to), rebuilt once per snapshot, off the UI thread."""
        snapshot = self._state().snapshot
        cached, by_job = self._candidates
        if snapshot is not cached:
            groups = snapshot.groups if snapshot is not None else ()
            by_job = await asyncio.to_thread(keys_by_job, [g.key for g in groups])
            self._candidates = (snapshot, by_job)
        return by_job

    # ----------------------------------------------------------------- history
    def request_history(self, key: GroupKey, range_name: str, *, fresh: bool = False) -> None:
        """Show a group's history over a range: from the cache when recent, else read it (replacing a read in flight)."""
        if self.prometheus is None:
            return
        kept = self._histories.get((key, range_name))
        if kept is not None and not fresh and self._clock() - kept.fetched_at < HISTORY_KEEP:
            self._app.post_message(HistoryLoaded(kept))
            return

        async def read() -> None:
            await self._read_history(key, range_name)

        self._start(read, "read_history", READ_HISTORY)

    async def _read_history(self, key: GroupKey, range_name: str) -> None:
        prometheus = self.prometheus
        if prometheus is None:
            return
        span = history_range(range_name)
        now = self._clock()
        window = Window.ending(span, now)
        queries = window.queries(key)
        try:
            answers = await asyncio.gather(*(prometheus.query_range(q) for q in queries.values()))
        except PrometheusError as exc:
            self._app.post_message(HistoryFailed(key, range_name, str(exc)))
            return
        candidates = await self._keys_by_job()
        history = assemble(key, span, window, dict(zip(queries, answers, strict=True)), candidates, now)
        self._app.post_message(HistoryLoaded(history))

    def answered(self, message: HistoryLoaded | HistoryFailed | CadenceLoaded | CadenceFailed) -> None:
        """Apply an answer to the state: keep and show a history, say why not, keep cadences or say why not (once)."""
        state = self._state()
        if isinstance(message, HistoryLoaded):
            history = message.history
            self._histories[(history.key, history.span.name)] = history
            self._histories.move_to_end((history.key, history.span.name))
            while len(self._histories) > _CACHED:
                self._histories.popitem(last=False)
            self._publish(replace(state, history=history, history_error=None))
        elif isinstance(message, HistoryFailed):
            self._publish(replace(state, history_error=(message.key, message.range_name, message.text)))
        elif isinstance(message, CadenceLoaded):
            cadences = state.cadence.loaded(message.found, message.asked, message.fetched_at)
            self._publish(replace(state, cadence=cadences))
        else:
            self._publish(replace(state, cadence=state.cadence.failed(message.text, message.reason, message.at)))

    # ----------------------------------------------------------------- cadence
    def request_cadence(self, keys: Sequence[GroupKey]) -> None:
        """Read the cadence of these groups (the rows on screen without a recent one)."""
        if self.prometheus is None or not keys or tuple(keys) == self._cadence_asked:
            return
        asked = tuple(keys)
        self._cadence_asked = asked

        async def read() -> None:
            try:
                await self._read_cadence(asked)
            finally:
                if self._cadence_asked == asked:
                    self._cadence_asked = None

        self._start(read, "read_cadence", READ_CADENCE)

    async def _read_cadence(self, keys: tuple[GroupKey, ...]) -> None:
        prometheus = self.prometheus
        if prometheus is None:
            return
        now = self._clock()
        try:
            answer = await prometheus.query_range(cadence.query(keys, now))
        except PrometheusError as exc:
            self._app.post_message(CadenceFailed(str(exc), exc.short, now))
            return
        candidates = await self._keys_by_job()
        self._app.post_message(CadenceLoaded(cadence.counts_of(answer, keys, candidates, now), keys, now))
