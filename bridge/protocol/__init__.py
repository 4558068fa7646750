"""The Pushgateway wire codec, shared by the gateway, the spool bridge and the TUI (pure: no I/O, no framework)."""
