"""``{% html_lang %}``: the active language as the page's ``<html lang>`` says it ("es-US")."""

from django import template
from django.utils import translation

from programs.locale import html_lang as as_html_lang

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    return as_html_lang(translation.get_language())
