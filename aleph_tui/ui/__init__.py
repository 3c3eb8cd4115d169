"""The Textual user interface."""

import os

# Textual paints at most TEXTUAL_FPS times a second (60 by default), and a paint that runs
# past its frame waits two frames for the next: a page flip right after another took up
# to 45 ms on 2 cores, against 25 at 120. Set here, before any module imports Textual;
# a TEXTUAL_FPS the user set wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
