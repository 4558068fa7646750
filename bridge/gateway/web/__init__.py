"""The HTTP edge: an ASGI app with the Go gateway's routes and answers, and the server that runs it.

Layers (import-linter checks them)::

    server                     uvicorn on the caller's loop, Go's shutdown behaviour
    fastpath                   small pushes and deletes answered from the protocol, without ASGI
    app                        routes, Go's redirect and 405 rules, request accounting
    handlers | auth            decoding and status codes | basic auth and roles
    router | negotiation | tlsreload
                               Go's router on the radix tree | scrape formats | TLS reloading
    radix | webconfig | httpio httprouter's tree | --web.config.file | requests and responses
    httpproto | snappyframe    uvicorn's protocol with Go's request-head limits (431) | snappy request bodies
"""
