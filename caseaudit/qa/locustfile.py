"""The load run: simulated staff of four roles sign in through the real sign-in
form and browse their pages. Run by `caseaudit/qa/load.sh` (`make load`) against gunicorn on
PostgreSQL with the county demo data; MFA is switched off for the run (REQUIRE_MFA=0), as a
second factor cannot be typed by a simulated user.

Accounts: `LOAD_ACCOUNTS` names a JSON file {role: [email, ...]} written by load.sh (several
demo staff per role, so the users see different scopes); without it, the one demo login per
role. Every account has the demo password.

Every response must be a 200 (after redirects) and the right page: anything else is counted
as a failure, and load.sh fails the run on any failure.
"""

import json
import os
import random
import re
import statistics

from locust import HttpUser, between, events, task

from caseaudit.qa.htmlforms import csrf_token

PASSWORD = os.environ.get("LOAD_PASSWORD", "caseaudit-demo-2026")
DOMAIN = "demo.caseaudit.example"
DEMO_LOGINS = {
    "practitioner": [f"practitioner@{DOMAIN}"],
    "practice_supervisor": [f"practice.supervisor@{DOMAIN}"],
    "team_manager": [f"team.manager@{DOMAIN}"],
    "performance": [f"performance@{DOMAIN}"],
}
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
RESPONSE_LINK = re.compile(r'href="/responses/(\d+)/')
MONTH_LINK = re.compile(r'href="/programme/(\d{4}-\d{2})/"')
REPORTS = ["/reports/compliance/", "/reports/responses/", "/reports/quality/", "/reports/findings/"]


def _accounts() -> dict:
    path = os.environ.get("LOAD_ACCOUNTS")
    if not path:
        return DEMO_LOGINS
    with open(path, encoding="utf-8") as accounts:
        return json.load(accounts)


ACCOUNTS = _accounts()

# Response times of browsing (every request but signing in), for load.sh's summary: the
# first seconds of the run are a storm of sign-ins, each a deliberately slow password hash.
BROWSING_MS: list[float] = []


@events.request.add_listener
def _browsing_time(name, response_time, exception, **kwargs):
    if not name.startswith("/accounts/login/") and exception is None:
        BROWSING_MS.append(response_time)


@events.quitting.add_listener
def _browsing_summary(environment, **kwargs):
    path = os.environ.get("LOAD_BROWSING")
    if not path or len(BROWSING_MS) < 2:
        return
    cuts = statistics.quantiles(BROWSING_MS, n=100, method="inclusive")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(
            {"requests": len(BROWSING_MS), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}, out
        )


class StaffUser(HttpUser):
    """Signs in once, then browses; `role` picks the accounts."""

    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self):
        self.email = random.choice(ACCOUNTS[self.role])
        self.cases: list[str] = []
        self.responses: list[str] = []
        self.sign_in()

    def sign_in(self):
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        data = {"csrfmiddlewaretoken": csrf_token(page.text), "login": self.email}
        data["password"] = PASSWORD
        with self.client.post(
            "/accounts/login/", data=data, name="/accounts/login/ (sign in)", catch_response=True
        ) as response:
            if response.status_code != 200 or "/accounts/login/" in response.url:
                response.failure(f"sign-in of {self.email} failed: {response.url}")

    def page(self, path: str, name: str | None = None, *, expect: str = "<h1"):
        """GET a page; a failure unless it is a 200 with a main heading (not the sign-in
        page, which a lost session would show)."""
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{path}: HTTP {response.status_code}")
            elif "/accounts/login/" in response.url:
                response.failure(f"{path}: signed out")
            elif expect not in response.text:
                response.failure(f"{path}: {expect!r} not on the page")
            return response

    @task(3)
    def home(self):
        response = self.page("/")
        self.responses = RESPONSE_LINK.findall(response.text) or self.responses

    @task(3)
    def case_list(self):
        response = self.page("/cases/")
        self.cases = CASE_LINK.findall(response.text) or self.cases

    @task(3)
    def case_page(self):
        if not self.cases:
            return self.case_list()
        self.page(f"/cases/{random.choice(self.cases)}/", "/cases/[id]/")

    @task(1)
    def case_search(self):
        self.page("/cases/?q=C1000", "/cases/?q=")

    @task(1)
    def audits_due(self):
        self.page("/programme/due/")

    @task(2)
    def responses(self):
        response = self.page("/responses/")
        self.responses = RESPONSE_LINK.findall(response.text) or self.responses

    @task(1)
    def response_page(self):
        if self.responses:
            self.page(f"/responses/{random.choice(self.responses)}/", "/responses/[id]/")

    @task(1)
    def notifications(self):
        self.page("/notifications/")


class Practitioner(StaffUser):
    weight = 5
    role = "practitioner"


class PracticeSupervisor(StaffUser):
    weight = 2
    role = "practice_supervisor"


class TeamManager(StaffUser):
    weight = 2
    role = "team_manager"

    @task(1)
    def team_responses(self):
        self.page("/responses/team/")


class Performance(StaffUser):
    weight = 1
    role = "performance"

    @task(2)
    def programme(self):
        response = self.page("/programme/")
        months = MONTH_LINK.findall(response.text)
        if months:
            self.page(f"/programme/{months[0]}/", "/programme/[month]/")

    @task(2)
    def reports(self):
        self.page("/reports/")
        self.page(random.choice(REPORTS))
