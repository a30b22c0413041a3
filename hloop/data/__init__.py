"""Corpus loading (hub id, local folder or file), splits, and the demo's defaults."""
