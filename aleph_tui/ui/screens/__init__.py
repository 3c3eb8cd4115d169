"""Dialogs over the dashboard, one module per job."""
