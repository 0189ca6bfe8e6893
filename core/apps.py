import sqlite3

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app's jobs.py registers its background-job handlers.
        autodiscover_modules("jobs")
        # Pillow refuses to decode a picture beyond the same limit the upload checks use.
        from PIL import Image

        from core.uploads import limit

        Image.MAX_IMAGE_PIXELS = limit("FANGPIN_IMAGE_MAX_PIXELS")
        # sqlite3 binds a bool as the integer it is, but only after looking for an adapter
        # and then for __adapt__ and __conform__ on it; a registered adapter is found at the
        # first look. The same 1 or 0 is stored, in a fifth less of the binding time of a
        # person's row (four booleans in 23 values): 28 ms of a 10,000-household import.
        sqlite3.register_adapter(bool, int)
