from typing import Any

from django import template
from django.utils.safestring import SafeString

from web.charts import Chart, chart_id, render_chart

register = template.Library()


@register.simple_tag(takes_context=True)
def chart(context: template.Context, obj: Chart | None) -> SafeString | str:
    """``{% chart obj %}``: the chart's figure. Ids come from the chart's content; a chart
    drawn twice on one page (same content) gets a numbered suffix so ids never clash."""
    if obj is None:
        return ""
    used = _used_ids(context)
    base = chart_id(obj)
    dom_id, number = base, 1
    while dom_id in used:
        number += 1
        dom_id = f"{base}-{number}"
    used.add(dom_id)
    return render_chart(obj, dom_id=dom_id)


def _used_ids(context: template.Context) -> set[str]:
    # The request lives for the whole response (base template, includes, fragments); the
    # render context is the fallback when a template is rendered without one.
    request: Any = context.get("request")
    if request is not None:
        used: set[str] | None = getattr(request, "_chart_ids", None)
        if used is None:
            used = set()
            request._chart_ids = used
        return used
    store = context.render_context
    if "web_chart_ids" not in store:
        store["web_chart_ids"] = set()
    ids: set[str] = store["web_chart_ids"]
    return ids
