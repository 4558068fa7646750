"""The views as pure data, one module per screen: rows, cells, sorting, filters and texts (no UI, no I/O).

    groups.py    the groups list: rows, columns, sorting, the `/` filter, counts, cell text
    detail.py    a group's detail: family rows, series lines with histograms and summaries unfolded
    history.py   a group's push history (with --prometheus): the ranges, the answers assembled, pushes, usual interval, gaps
    history_figures.py  what that history says beside the chart, and whether the rule fits the cadence
    history_chart.py  that history as a chart's data: the age of the last push against the max age
    cadence.py   the groups list's cadence column: pushes per 2 h over 24 h for the rows on screen, cached
    alerts.py    the alerts view: one row per alert, its cells and the highlighted alert in full
    prompts.py   the words of every confirmation: which group, which URL, what it costs
    help.py      the top of the help page: where we are, statuses, staleness rules, alerts

Each mirrors a module of `pgwtui.screens`, which only turns these into widgets.
"""
