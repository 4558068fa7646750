"""Widgets of the pgwtui screens."""
