"""Where notes go: the desktop and the console (``desktop``), Apprise URLs (``apprise``), and the
delivery of what scans queued in the store (``outbox``)."""
