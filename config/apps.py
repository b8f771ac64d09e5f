from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with our site (config/admin.py) as ``admin.site``."""

    default_site = "config.admin.AdminSite"


class ProjectConfig(AppConfig):
    """config itself, installed as an app for its management commands (check_services), which
    look after the whole project and so belong to no lower layer."""

    name = "config"
    label = "config"
