"""`pgwtui web`: the same app in a browser, served by textual-serve (one app process per browser tab).

    access.py   pure: the web flags, which binds need authentication, the app's command line (read-only by default)
    auth.py     the `--web.config.file` (the gateway's loader and format): bcrypt users, headers, TLS
    server.py   PgwtuiServer: textual-serve's aiohttp server behind basic auth, on the address given

Nothing here imports the app: each browser tab runs `python -m pgwtui …` as its own process.
"""
