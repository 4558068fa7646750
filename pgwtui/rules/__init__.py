"""`pgwtui rules`: the staleness rules and the gateway's and bridge's health as a Prometheus alerting rule file.

    names.py      alert names, the `[alerts]` options, rule values, PromQL quoting, runbooks
    staleness.py  one PushgatewayGroupStale alert per staleness rule, in the TUI's own order
    health.py     failed and rejected pushes, `pgw-bridge exec` jobs, the bridge's backlog and quarantine
    render.py     every rule group, as plain data and as the YAML text Prometheus reads
    cli.py        `pgwtui rules [--config FILE] [-o FILE]` (the only module here that touches files)

All but cli.py are pure: a policy and options in, rules out.
"""
