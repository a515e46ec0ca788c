"""``/disclosure/annual-reports/{year}``: the annual disclosure report (年度信息披露报告,
DIS-2), public — JSON by default; HTML in Chinese as ``{year}.html`` or ``?format=html``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Schema
from litestar.params import PathParameter, QueryParameter

from libs.service import ServiceContext
from services.disclosure.api.pages import html_response, render_annual_report
from services.disclosure.commands import annual_facts


@dataclass
class JsonOrHtml(Operation):
    """The report's operation as documented: its 200 answer is the report as JSON, or the
    Chinese page as HTML (Litestar documents one media type per answer by itself)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if ok is not None and hasattr(ok, "content"):
            ok.content = {
                "application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT)),
                "text/html": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)),
            }


_YEAR = re.compile(r"^(?P<year>2\d{3})(?P<html>\.html)?$")


def bad_year(value: str) -> ValidationException:
    message = "a year of four digits from 2000 to 2999, optionally followed by .html"
    return ValidationException(
        detail=f"Invalid year: {message}", extra=[{"key": "year", "message": message}]
    )


class AnnualReports(Controller):
    path = "/annual-reports"
    tags = ["public"]
    opt = {"public": True}
    security = []

    @get(
        "/{year:str}",
        summary="Annual disclosure report (年度信息披露报告), JSON or HTML",
        description=(
            "The items of the 2026 national notice for the implementing agency "
            "(实施机构) and the operator (运营机构), for the chosen year; due by 31 "
            "March of the following year. ``content_hash`` is the SHA-256 of the "
            "canonical JSON of the report without ``content_hash``, ``generated_at``, "
            "``late`` and ``provisional``."
        ),
        operation_class=JsonOrHtml,
    )
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        year: Annotated[
            str, PathParameter(pattern=_YEAR.pattern, description="e.g. 2026 or 2026.html")
        ],
        output: Annotated[
            Literal["json", "html"],
            QueryParameter(name="format", description="json (default) or html"),
        ] = "json",
    ) -> Response[Any]:
        matched = _YEAR.match(year)
        if matched is None:
            raise bad_year(year)
        report = await annual_facts.annual_report(ctx, int(matched["year"]))
        if matched["html"] or output == "html":
            return html_response(render_annual_report(report.to_json()))
        return Response(report.to_json())
