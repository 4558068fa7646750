"""Screens and dialogs of pgwtui: widgets around the pure views, drawn from the app's state.

base.py          PgwScreen: the app as AppContext, the read-only guard, the banners, palette commands
groups.py        GroupsScreen: every group; filter, sort, mark, delete, open a group or the alerts
group_detail.py  GroupDetailScreen: one group's status, families and series; delete it or a family
alerts.py        AlertsScreen: Prometheus's alerts about the groups; enter opens an alert's group
confirm.py       ConfirmScreen: ModalScreen[bool] showing exactly what a delete will do
help.py          HelpScreen: every key binding, generated from the bindings themselves
"""
