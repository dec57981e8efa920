"""An API client that speaks real HTTP to the live test server, as other programs will."""

from __future__ import annotations

import requests


class ApiClient:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = requests.Session()

    def request(self, method: str, path: str, *, json=None, params=None, files=None, data=None, headers=None):
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        return self.session.request(
            method.upper(), url, json=json, params=params, files=files, data=data, headers=all_headers, timeout=30
        )

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.request("DELETE", path, **kwargs)
