from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "duty"
    verbose_name = "责任落实"

    def ready(self) -> None:
        from duty import hooks  # noqa: F401  (provides duty.* hooks)
