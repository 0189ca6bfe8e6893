from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "监测帮扶"

    def ready(self) -> None:
        from monitoring import hooks  # noqa: F401  (provides monitoring.* hooks)
