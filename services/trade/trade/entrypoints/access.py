"""Who may manage a showroom: the provincial office, or that showroom's own operator."""

from ocop_shared.auth import Principal, Role
from ocop_shared.http.problems import Forbidden, Text


def may_operate(principal: Principal, showroom_id: str) -> None:
    if principal.has(Role.PROVINCE_OFFICE) or showroom_id in principal.showrooms:
        return
    raise Forbidden(Text("Bạn chỉ quản lý được điểm bán của mình",
                         "You may only manage your own showroom"))
