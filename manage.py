#!/usr/bin/env python
"""Django's command-line utility, unchanged; `fangpin` is the product's command."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
