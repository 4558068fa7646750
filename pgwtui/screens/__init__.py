"""Screens and dialogs of pgwtui."""
