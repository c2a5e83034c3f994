"""Tests of the cycles package."""
