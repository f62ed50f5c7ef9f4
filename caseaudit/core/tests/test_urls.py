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
