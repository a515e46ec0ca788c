"""Administrative division codes (行政区划代码, GB/T 2260) the platform accepts.

A code is six digits: province (2), city (2), county (2). A county belongs to the city
whose code shares its first four digits (370303 张店区 belongs to 370300 淄博市). We hold
the provinces' two-digit prefixes, the cities of Shandong and the districts and counties
of Zibo; a code under a province we know no more of is accepted on its prefix.
"""

from __future__ import annotations

import re

from contracts.errors import DomainError

STANDARD = "GB/T 2260"
SHAPE = re.compile(r"^[1-9]\d{5}$")

PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区", "71": "台湾省",
    "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

SHANDONG_CITIES: dict[str, str] = {
    "370100": "济南市", "370200": "青岛市", "370300": "淄博市", "370400": "枣庄市",
    "370500": "东营市", "370600": "烟台市", "370700": "潍坊市", "370800": "济宁市",
    "370900": "泰安市", "371000": "威海市", "371100": "日照市", "371300": "临沂市",
    "371400": "德州市", "371500": "聊城市", "371600": "滨州市", "371700": "菏泽市",
}  # fmt: skip

ZIBO_COUNTIES: dict[str, str] = {
    "370302": "淄川区", "370303": "张店区", "370304": "博山区", "370305": "临淄区",
    "370306": "周村区", "370321": "桓台县", "370322": "高青县", "370323": "沂源县",
}  # fmt: skip


def city_of(code: str) -> str:
    """The city a code belongs to (a city or province code is its own)."""
    return code if code.endswith("00") else code[:4] + "00"


def name_of(code: str) -> str | None:
    if code.endswith("0000"):
        return PROVINCES.get(code[:2])
    return SHANDONG_CITIES.get(code) or ZIBO_COUNTIES.get(code)


def check(code: str, *, field: str = "region") -> str:
    """Return the code if its shape is right and its province/city prefix is known."""
    if not SHAPE.match(code):
        raise DomainError(
            f"region {code!r} is not a six-digit administrative division code ({STANDARD})",
            rule=STANDARD,
            field=field,
        )
    if code[:2] not in PROVINCES:
        raise DomainError(
            f"region {code!r}: no province has the prefix {code[:2]!r} ({STANDARD})",
            rule=STANDARD,
            field=field,
        )
    if code[:2] == "37" and not code.endswith("0000"):
        city = city_of(code)
        if city not in SHANDONG_CITIES:
            raise DomainError(
                f"region {code!r}: {city} is not a city of 山东省 ({STANDARD})",
                rule=STANDARD,
                field=field,
            )
        if city == "370300" and code != city and code not in ZIBO_COUNTIES:
            raise DomainError(
                f"region {code!r} is not a district or county of 淄博市 ({STANDARD})",
                rule=STANDARD,
                field=field,
            )
    return code
