"""Fixtures for the API tests: `api(staff)` is a client that sends that person's API token."""

import json

import pytest
from django.test import Client

from caseaudit.api.services import api_token_issue


class ApiClient:
    """The Django test client with `Authorization: Bearer <token>` on every request, and no
    session cookie (the API must not need one)."""

    def __init__(self, secret: str):
        self.client = Client()
        self.secret = secret
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path, data=None):
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", headers=self.headers
        )

    def put(self, path, data):
        return self.client.put(
            path, json.dumps(data), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(db):
    """`api(org.worker)` (a Staff or a User): a client with a new token of theirs."""

    def _api(person):
        user = getattr(person, "user", person)
        _token, secret = api_token_issue(user=user, name="tests", by=user)
        return ApiClient(secret)

    return _api


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]
