"""Prometheus's alerts on the groups: read them, match them to groups, watch a deleted group's alerts resolve.

    model.py       pure: `/api/v1/alerts` → Alert, matching alerts to grouping keys, watching them resolve
    prometheus.py  PrometheusClient over httpx (injectable transport): `GET /api/v1/alerts`, read only
    watch.py       AlertsWatcher, owned by the app: the workers, and what their answers do to the state

The alerts view itself is `pgwtui.views.alerts` (rows) and `pgwtui.screens.alerts` (widgets).
"""
