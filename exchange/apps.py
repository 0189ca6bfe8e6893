from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "部门数据比对"

    def ready(self) -> None:
        from exchange import hooks  # noqa: F401  (provides exchange.* hooks)
