"""aleph-tui: a terminal dashboard for Aleph Cloud wallets and credits."""

__version__ = "0.1.0"
