"""The HTTP edge: the ASGI app with Go's routing, the handlers (decoding, status codes), auth, TLS, the uvicorn server."""
