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
