from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


def team_list(request: HttpRequest) -> HttpResponse:
    areas = selectors.service_area_list_with_teams()
    return render(request, "organisation/team_list.html", {"service_areas": areas})


def team_detail(request: HttpRequest, code: str) -> HttpResponse:
    team = selectors.team_get(code=code)
    members = selectors.team_members(team=team)
    return render(request, "organisation/team_detail.html", {"team": team, "members": members})
