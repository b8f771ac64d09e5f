from django.urls import URLPattern, path

from web.patient import views

urlpatterns: list[URLPattern] = [
    path("today/", views.today, name="today"),
    path("week/", views.week, name="week"),
    path("check-in/", views.checkin, name="check-in"),
    path("progress/", views.progress, name="progress"),
    path("reminders/", views.reminders, name="reminders"),
]
