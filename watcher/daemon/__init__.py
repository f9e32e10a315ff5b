"""Running unattended: the schedule (``scheduler``), the systemd / launchd definitions (``unit``)
and the file locks that keep one scan and one daemon at a time (``locks``)."""
