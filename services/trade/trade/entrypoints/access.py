"""Who may manage a showroom: the provincial office, or that showroom's own operator."""

from ocop_shared.auth import Principal, Role
from ocop_shared.http.problems import Forbidden
from ocop_shared.i18n import message


def may_operate(principal: Principal, showroom_id: str) -> None:
    if principal.has(Role.PROVINCE_OFFICE) or showroom_id in principal.showrooms:
        return
    raise Forbidden(message("trade.you_may_only_manage_your_own"))
