from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin, with our site (config/admin.py) as ``admin.site``."""

    default_site = "config.admin.AdminSite"
