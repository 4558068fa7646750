"""Read models over the store, kept current by its listener events: the `/metrics` exposition and the `/api/v1` JSON."""
