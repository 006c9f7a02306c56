"""Commune officers: the dossiers of their commune's products, and Form 03 on each."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ..web import PageDep

router = APIRouter()


@router.get("/commune")
async def commune_home(page: PageDep) -> Response:
    products = (await page.api.get("/registry/products", limit=200))["items"]
    rows = []
    for product in products:
        for dossier in await page.api.get(f"/registry/products/{product['id']}/dossiers"):
            rows.append({"product": product, "dossier": dossier})
    rows.sort(key=lambda row: row["dossier"]["status"] != "awaiting_commune")
    return page.render("commune_home.html", rows=rows)
