"""`reverse_cached` (caseaudit/core/urls.py): the addresses `reverse` gives."""

from django.urls import reverse

from caseaudit.core.urls import reverse_cached


def test_the_same_addresses_as_reverse():
    cases = [
        ("home", ()),
        ("case_list", ()),
        ("case_detail", (7,)),
        ("case_detail", (9876543211,)),  # an id that looks like a stand-in
        ("audit_detail", (123456,)),
        ("team_detail", ("north-a",)),  # not an id: reversed as usual
    ]
    for name, args in cases * 2:  # the second time from what was kept
        assert reverse_cached(name, *args) == reverse(name, args=args)


def test_the_template_tag_gives_the_url_tags_addresses_with_and_without_a_request(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.template import Context, RequestContext, Template

    tags = (
        "{% load header %}{% TAG 'home' %}|{% TAG 'case_detail' pk %}|"
        "{% TAG 'team_detail' code %}|{% TAG name pk %}"
    )
    values = {"pk": 42, "code": "north-a", "name": "audit_detail"}
    want = Template(tags.replace("TAG", "url")).render(Context(values))
    cached = Template(tags.replace("TAG", "cached_url"))

    assert want == "/|/cases/42/|/teams/north-a/|/audits/42/"
    assert cached.render(Context(values)) == want
    request = rf.get("/")
    request.user = AnonymousUser()  # for the context processors
    for _ in range(2):  # the second time from what the request kept
        assert cached.render(RequestContext(request, values)) == want


def test_an_address_under_a_script_prefix_is_kept_apart(rf):
    from django.urls import set_script_prefix

    from caseaudit.core.urls import url_where

    plain = reverse_cached("case_detail", 5, where=url_where(rf.get("/")))
    set_script_prefix("/caseaudit/")
    try:
        prefixed = reverse_cached("case_detail", 5, where=url_where(rf.get("/")))
        assert prefixed == reverse("case_detail", args=[5]) == "/caseaudit" + plain
    finally:
        set_script_prefix("/")
