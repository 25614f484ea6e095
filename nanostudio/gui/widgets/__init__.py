"""Reusable widgets the pages are made of."""
