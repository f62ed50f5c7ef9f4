"""`{% load header %}` (caseaudit/site/templatetags/header.py): the markup the template wrote."""

from django.template import engines
from django.templatetags.static import static
from django.urls import reverse

# The header's list as base.html wrote it before, item by item.
LOOP = """<ul id="navigation">
              {% for key, label, url in navigation %}
              <li class="govuk-service-navigation__item{% if key == nav_active %} govuk-service-navigation__item--active{% endif %}">
                <a class="govuk-service-navigation__link" href="{{ url }}"{% if key == nav_active %} aria-current="page"{% endif %}>{% if key == nav_active %}<strong class="govuk-service-navigation__active-fallback">{{ label }}</strong>{% else %}{{ label }}{% endif %}</a>
              </li>
              {% endfor %}
            </ul>"""  # noqa: E501
TAG = """{% load header %}<ul id="navigation">{% navigation_items navigation nav_active %}
            </ul>"""


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def test_the_links_as_the_template_loop_wrote_them():
    navigation = [
        ("home", "My work", "/"),
        ("cases", "Cases & <things>", "/cases/?a=1&b=2"),
        ("jobs", 'Jobs "now"', "/jobs/"),
    ]
    for active in ("cases", "home", "", "nowhere"):
        context = {"navigation": navigation, "nav_active": active}
        assert render(TAG, **context) == render(LOOP, **context)
    # A page that names no active link at all.
    assert render(TAG, navigation=navigation) == render(LOOP, navigation=navigation)


def test_addresses_as_url_and_static_give_them():
    assert render("{% load header %}{% cached_url 'case_detail' 7 %}") == reverse(
        "case_detail", args=[7]
    )
    assert render("{% load header %}{% cached_url 'team_detail' 'a-b' %}") == reverse(
        "team_detail", args=["a-b"]
    )
    assert render("{% load header %}{% cached_static 'govuk/caseaudit.min.css' %}") == static(
        "govuk/caseaudit.min.css"
    )
