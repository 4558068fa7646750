"""What pgwtui reads from Prometheus: the alerts on the groups (matched, watched resolving), and the groups' history.

    model.py          pure: `/api/v1/alerts` → Alert, matching alerts to grouping keys, watching them resolve
    ranges.py         pure: a group's PromQL selector, the history and cadence range queries, the matrix answer
    prometheus.py     PrometheusClient over httpx (injectable transport): alerts and range queries, read only
    watch.py          AlertsWatcher, owned by the app: the alert workers, and what their answers do to the state
    history_watch.py  HistoryWatcher, owned by the app: the range-query workers of the chart and the column

The alerts view itself is `pgwtui.views.alerts` (rows) and `pgwtui.screens.alerts` (widgets); the
history is `pgwtui.views.history` (figures), `pgwtui.views.history_chart` and `pgwtui.widgets.history`.
"""
