"""Widgets shared by the views, one per file, each named after its job."""
