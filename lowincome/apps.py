from django.apps import AppConfig


class LowIncomeConfig(AppConfig):
    name = "lowincome"
    verbose_name = "农村低收入人口"
