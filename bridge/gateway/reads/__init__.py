"""Read models over the store, kept current by its listener events (pure: no I/O, no asyncio).

Modules::

    exposition     the cached `/metrics` text and protobuf, merged and sorted as Go sorts them
    sorted_chunks  a family's series in sorted, separately cached chunks
    gzipjoin       one gzip stream from pieces compressed once each (cached pieces are not recompressed)
    api            the `/api/v1/metrics` JSON (cached per group) and `/api/v1/status`
"""
