from django.apps import AppConfig


class LivelihoodConfig(AppConfig):
    name = "livelihood"
    verbose_name = "岗位、光伏与小额信贷"
