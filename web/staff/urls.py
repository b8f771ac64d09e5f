from django.urls import URLPattern, path

from web.staff import views

urlpatterns: list[URLPattern] = [
    path("", views.caseload, name="caseload"),
    path("alerts/", views.alerts, name="alerts"),
    path("invite/", views.invite, name="invite"),
]
