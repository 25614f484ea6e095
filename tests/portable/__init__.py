"""Tests of the portable build engine."""
