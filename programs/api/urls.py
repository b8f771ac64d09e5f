from django.urls import include, path
from rest_framework.routers import DefaultRouter

from programs.api import me, staff
from programs.api.auth import TokenView

router = DefaultRouter(trailing_slash=True)
staff.register(router)

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", include(me.urlpatterns)),
    path("", include(router.urls)),
]
