"""The console's client of the platform APIs: the signed-in person's token, their language."""

from __future__ import annotations

from typing import Any

import httpx

from .problems import ApiProblem, problem_from


class Api:
    """One person's view of the APIs; every error becomes an `ApiProblem`."""

    def __init__(self, client: httpx.AsyncClient, token: str | None, language: str,
                 correlation_id: str | None = None, client_address: str | None = None) -> None:
        self._client = client
        self._headers = {"accept-language": language}
        if token:
            self._headers["authorization"] = f"Bearer {token}"
        if correlation_id:
            self._headers["x-correlation-id"] = correlation_id
        if client_address:  # the browser's, for the account store's sign-in throttling
            self._headers["x-forwarded-for"] = client_address

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        response = await self._client.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise problem_from(response)
        return response

    async def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return _body(await self.request("GET", path, params=clean))

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return _body(await self.request("POST", path, json=json, **kwargs))

    async def post_form(self, path: str, data: dict[str, str]) -> Any:
        return _body(await self.request("POST", path, data=data))

    async def delete(self, path: str) -> Any:
        return _body(await self.request("DELETE", path))

    async def put(self, path: str, json: Any = None) -> Any:
        return _body(await self.request("PUT", path, json=json))

    async def maybe(self, path: str, **params: Any) -> Any:
        """GET that answers None for 404 (a thing not there yet is not an error on a page)."""
        try:
            return await self.get(path, **params)
        except ApiProblem as problem:
            if problem.status == 404:
                return None
            raise


def _body(response: httpx.Response) -> Any:
    return response.json() if response.content else None


class Enums:
    """Allowed values of the APIs' enumerations (document kinds, legal forms...), read from the
    platform's OpenAPI document so the console never keeps its own copy."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._schemas: dict[str, Any] | None = None

    async def values(self, name: str) -> list[str]:
        if self._schemas is None:
            response = await self._client.get("/openapi.json")
            response.raise_for_status()
            self._schemas = response.json().get("components", {}).get("schemas", {})
        return [str(v) for v in self._schemas.get(name, {}).get("enum", [])]
