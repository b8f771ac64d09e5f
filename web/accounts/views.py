"""Signing in and out."""

from django.contrib.auth import views as auth_views


class SignInView(auth_views.LoginView):
    template_name = "web/accounts/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass
