"""Helpers shared by the test suites (servers, normalisers, generators)."""
