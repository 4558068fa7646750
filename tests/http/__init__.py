"""The HTTP edge without the Go binary: golden-answer replay, router, path cleaning and scrape negotiation."""
