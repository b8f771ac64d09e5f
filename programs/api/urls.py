from django.urls import include, path
from rest_framework.routers import DefaultRouter

from programs.api import me, staff
from programs.api.auth import TokenRevokeView, TokenView


class Router(DefaultRouter):
    # No ".json" twin of every route: the views take no ``format`` argument (each twin was a
    # 500), the schema documents none, and Accept or ?format= choose the renderer already.
    include_format_suffixes = False


router = Router(trailing_slash=True)
staff.register(router)

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", TokenRevokeView.as_view(), name="api-token-revoke"),
    path("me/", include(me.urlpatterns)),
    path("", include(router.urls)),
]
