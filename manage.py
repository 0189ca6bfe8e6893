#!/usr/bin/env python
"""Django's command-line utility; `fangpin` is the same thing under the product's name."""

from fangpin.cli import main

if __name__ == "__main__":
    main()
