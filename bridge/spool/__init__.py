"""The spool bridge: a directory of `.prom` files turned into pushes (watcher, naming, mirror state, CLI)."""
