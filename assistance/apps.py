from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "帮扶"

    def ready(self) -> None:
        from assistance import hooks  # noqa: F401  (provides assistance.* hooks)
