"""`make demo`'s scenario runs through the real APIs of the embedded platform."""

from __future__ import annotations

from pathlib import Path

from helpers import free_port
from ocop_cli.demo import demo
from ocop_shared.settings import Settings


async def test_demo_scenario_certifies_lists_and_revokes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, http_port=free_port())
    catalog = await demo(settings, serve=False)
    listed = {e["product_name"]: e["stars"] for e in catalog["entries"]}
    assert listed == {
        "Mắm cá linh Châu Đốc": 4,          # 74.25
        "Đường thốt nốt Tri Tôn": 4,        # 71.00
        "Gạo Nàng Nhen Tịnh Biên": 3,       # 58.75
        "Trà khổ qua rừng Núi Cấm": 3,      # 69.75 = (71+70+70+68)/4 stays in the 3★ band
    }
    # 48 points is 2★: a result but no certificate; Khô cá lóc was revoked and left.
    assert catalog["version"] == 6  # five additions and one removal
