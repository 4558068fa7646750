"""Widgets of the pgwtui screens (styled only by app.tcss).

groups_table.py  GroupsTable: a virtual table (Line API) with cursor, marks and sortable headers
status_bar.py    StatusBar: ok / failed / stale counts, alerts, marks, filter, sort, refresh time
banner.py        Banner and AlertsBanner: the gateway or Prometheus cannot be read, and we retry
tables.py        VimDataTable: Textual's DataTable with vim keys
history.py       HistoryPanel: the detail's history chart (textual-plotext) beside its figures
"""
