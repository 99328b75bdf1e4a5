"""The area tree: public to read, imported and edited by city organizers, all or nothing."""

from __future__ import annotations

from fairs.db.tables import Area
from tests.support import factories as f
from tests.support.snapshots import database_snapshot

CSV = """code,name,level,parent_code,latitude,longitude
430212102000,朱亭镇,township,430212000000,,
430212102001,朱亭村,village,430212102000,27.55,113.20
"""


async def test_the_tree_is_public_in_path_order(client):
    await f.ensure_areas()
    tree = (await client.get("/areas")).json()
    assert [a["name"] for a in tree] == ["株洲市", "天元区", "嵩山路街道", "栗雨街道", "渌口区", "南洲镇", "南洲村"]
    assert [a["path"] for a in tree][:2] == ["430200000000", "430200000000430211000000"]
    under = (await client.get(f"/areas?under={f.AREAS[f.LUKOU]}&level=township")).json()
    assert [a["name"] for a in under] == ["南洲镇"]


async def test_a_city_organizer_imports_a_csv_and_a_reimport_updates(client):
    city = await f.sign_in_organizer(client)
    headers = {**city, "content-type": "text/csv"}
    first = await client.post("/areas/import", headers=headers, content=CSV.encode())
    assert first.json() == {"created": 2, "updated": 0}
    village = await Area.select(Area.path, Area.latitude, Area.level).where(Area.code == "430212102001").first()
    assert village == {"path": "430200000000430212000000430212102000430212102001", "latitude": 27.55,
                       "level": "village"}
    again = await client.post("/areas/import", headers=headers, content=CSV.replace("朱亭村", "朱亭新村").encode())
    assert again.json() == {"created": 0, "updated": 2}
    assert (await Area.select(Area.name).where(Area.code == "430212102001").first())["name"] == "朱亭新村"


async def test_a_bad_import_names_every_bad_row_and_writes_nothing(client):
    city = await f.sign_in_organizer(client)
    rows = [
        {"code": "4302121030", "name": "短码镇", "level": "township", "parent_code": "430212000000"},
        {"code": "430212104000", "name": "", "level": "township", "parent_code": "430212000000"},
        {"code": "430212105000", "name": "孤儿镇", "level": "township", "parent_code": "430299000000"},
        {"code": "430212106000", "name": "跳级村", "level": "village", "parent_code": "430212000000"},
        {"code": "430212107000", "name": "好镇", "level": "township", "parent_code": "430212000000"},
    ]
    before = await database_snapshot()
    response = await client.post("/areas/import", headers=city, json={"rows": rows})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["rows[0].code", "rows[1].name"]
    rows = rows[2:]
    response = await client.post("/areas/import", headers=city, json={"rows": rows})
    assert [e["field"] for e in response.json()["errors"]] == ["rows[1].level", "rows[0].parent_code"]
    assert await database_snapshot() == before


async def test_only_city_organizers_edit_areas_and_only_their_city(client):
    county = await f.sign_in_organizer(client, "county", f.TIANYUAN)
    before = await database_snapshot()
    response = await client.post("/areas/import", headers={**county, "content-type": "text/csv"}, content=CSV.encode())
    assert response.status_code == 403
    assert (await client.patch(f"/areas/{f.AREAS[f.SONGSHAN]}", headers=county, json={"name": "x"})).status_code == 403
    city = await f.sign_in_organizer(client, "city")
    new_city = [{"code": "430100000000", "name": "长沙市", "level": "city", "parent_code": ""}]
    response = await client.post("/areas/import", headers=city, json={"rows": new_city})
    assert response.json()["errors"] == [{"field": "rows[0].parent_code",
                                          "message": "only a national administrator may add a city"}]
    assert (await database_snapshot())["area"] == before["area"]
    renamed = await client.patch(f"/areas/{f.AREAS[f.SONGSHAN]}", headers=city, json={"name": "嵩山路街道办"})
    assert renamed.json()["name"] == "嵩山路街道办"
    assert (await client.patch(f"/areas/{f.AREAS[f.SONGSHAN]}", headers=city, json={"latitude": 91})).status_code == 422
