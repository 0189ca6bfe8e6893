#!/usr/bin/env python
"""Django's command-line utility, unchanged; `fangpin` is the product's command."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.settings")
    # manage.py is the developers' tool: without SECRET_KEY it uses the development key.
    # The product command `fangpin` still refuses to start without one.
    os.environ.setdefault("FANGPIN_DEV", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
