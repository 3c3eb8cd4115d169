"""``aleph-tui serve``: the dashboard in a browser, through textual-serve (the ``[serve]``
extra), behind a proxy that lets in only the URLs that carry the session's token."""
