"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.settings")
os.umask(0o077)  # files the site writes (the SQLite database, uploads) are the service user's only
application = get_wsgi_application()
