"""Start ``airflow standalone`` so that SIGINT stops it and all its children.

A process started in the background inherits SIGINT as ignored, and standalone only shuts its
children down on KeyboardInterrupt; SIGTERM would orphan them. So: restore SIGINT, then exec.
"""

import os
import signal
import sys

signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], [sys.argv[1], "standalone"])
