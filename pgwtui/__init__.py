"""pgwtui: browse, triage and clean up any Prometheus Pushgateway from the terminal.

The map, by feature and by purity (pure: no UI, no HTTP, no event loop; checked by import-linter)::

    __main__.py     `pgwtui [URL]`: flags → settings → app; with no gateway, starts the demo (demo.py)
    demo.py         the seeded embedded gateway and the spool bridge on ./spool (the only bridge.gateway user)
    app.py          PgwApp: opens the screens, owns the gateway workers and the alerts watcher, routes errors
    gateway_workers.py  GatewayWorkers: every read and delete of the gateway, as the app's workers
    app.tcss        all styling
    client.py       GatewayClient over httpx (injectable transport): groups, info, deletes, re-push
    messages.py     worker results (GroupsLoaded, …) and screen requests (DeleteGroupsRequested, …)
    screens/        one Textual screen per view, on the PgwScreen base; dialogs and help
    widgets/        the groups table (Line API), the status bar, the banners, vim-key tables
    alerts/         Prometheus: alerts and range queries (pure models), its HTTP client, the watchers the app owns
    views/          pure: each screen's rows, cells and texts, one module per screen
    rules/          pure: `pgwtui rules`, the staleness and health rules as a Prometheus rule file
    web/            `pgwtui web`: the app in a browser (textual-serve), basic auth from the gateway's web config
    config.py       pure: flags + environment + config file → Settings (gateway, Prometheus, refresh)
    config_file.py  pure: where the config file is, reading it, its [staleness] and [alerts] tables
    connection.py   pure: Connection (where and how to reach a server), GatewayInfo, Extensions
    models.py       pure: `/api/v1/metrics` → Group, Family, Series
    labels.py       pure: grouping keys and label sets as text, one quoting rule
    staleness.py    pure: staleness rules as data, assess(group, policy, now)
    repush.py       pure: the Go-gateway fallback body (a group without one family)
    state.py        pure: AppState, what the app knows, published to the screens
    durations.py    pure: parse and format durations
    errors.py       pure: the exception tree, and the words for any error

Data flows one way: a worker (gateway_workers.py) reads the gateway (client.py → models.py), the
app decodes and assesses the groups off the UI thread (views/groups.py) and posts a message; the
app publishes a new AppState; each screen redraws from it. A screen asks for I/O only by posting a
request message to the app.
"""

from __future__ import annotations

__version__ = "0.1.0"
