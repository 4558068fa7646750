"""The spool bridge at run time: a directory of `.prom` files turned into pushes, in order per group.

From the pure rules to the composition::

    naming       file names ↔ grouping keys (pure)
    layout       which subdirectory asks for which method; the start-up scan and recovery
    files        file moves that never lose a producer's newer file; atomic writes; `.error` reports
    watcher      watchdog → the event loop: which files are complete
    disposition  `Entry` and `Disposition`: what a mode does around each push
    consume      consume mode: delivered files go, rejected ones move to `failed/`
    mirror       mirror mode: files are state; pushed on change, deleted on removal
    pipeline     the one consumer: read → validate → push → retire, retrying what is transient
    runner       `SpoolBridge`: layout, mode, pipeline and watcher composed, until cancelled
    metrics      the bridge's own metrics; `metrics_server` serves them for `watch`
    producer     `drop`: validate, then write atomically into the spool; `execjob`: `exec`
    options      `SpoolOptions`, the value the CLI builds from its flags
    embedded     the spool feeding the in-process gateway: the only module here that knows it
"""
