"""The Kivy responder app. Importing this package configures Kivy for a tablet: no Kivy
command-line parsing (the `iceband` CLI owns argv) and no Kivy log file (a log must never hold
record text). The session itself lives in `responder_app.session`; this package only shows it.
"""

from __future__ import annotations

import os

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

__all__: list[str] = []
