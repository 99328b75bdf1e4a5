"""What every page stands on: language, sign-in by cookie, CSRF, errors as pages."""

from __future__ import annotations

from fairs.web import i18n
from tests.support import factories as f
from tests.support.pages import csrf_of, post_form, sign_in


async def test_pages_speak_chinese_first_and_english_when_asked(client):
    home = await client.get("/")
    assert home.status_code == 200 and '<html lang="zh-CN">' in home.text and "近期招聘会" in home.text
    english = await client.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Upcoming job fairs" in english.text
    assert "近期招聘会" not in english.text
    assert (await client.get("/fairs")).text.count('lang="en"') >= 1  # the cookie keeps English
    assert "Find job fairs near you" in (await client.get("/fairs")).text
    client.cookies.delete(i18n.COOKIE)
    assert "找附近的招聘会" in (await client.get("/fairs", headers={"Accept-Language": "zh-CN,zh;q=0.9"})).text
    assert "Find job fairs" in (await client.get("/fairs", headers={"Accept-Language": "en-GB,en;q=0.8"})).text


def test_every_page_text_has_its_english():
    from babel.messages.pofile import read_po

    catalogs = sorted((i18n.LOCALE_DIR / "en" / "LC_MESSAGES").glob("*.po"))
    assert len(catalogs) >= 2
    for path in catalogs:
        with path.open("rb") as source:
            catalog = read_po(source)
        missing = [m.id for m in catalog if m.id and not m.string]
        assert not missing, f"{path.name}: page texts without English (`make messages`, then translate): {missing}"


def test_dates_follow_chinese_and_english_conventions():
    from datetime import UTC, date, datetime

    assert i18n.day_text(date(2027, 3, 11), "zh") == "3月11日 周四"
    assert i18n.day_text(date(2027, 3, 11), "en", year=True) == "Thu 11 Mar 2027"
    assert i18n.moment_text(datetime(2027, 3, 11, 1, 0, tzinfo=UTC), "Asia/Shanghai", "zh") == "3月11日 周四 09:00"
    assert i18n.gettext_for("zh")("must not be empty") == "不能为空"  # a service's refusal, in Chinese


async def test_signing_in_sets_a_session_cookie_that_only_pages_read(client):
    await f.organizer_account()
    response = await sign_in(client, "organizer")
    assert response.headers["location"] == "/organizer"
    cookie = response.headers["set-cookie"]
    assert "fairs_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "退出" in (await client.get("/")).text  # the page knows who is signed in
    # the API never takes the cookie: no CSRF on the API
    assert (await client.get("/accounts/me")).status_code in (401, 404)
    assert (await client.post("/campaigns", json={"name": "x", "kind": "festival", "area_id": 1})).status_code == 401


async def test_a_form_without_its_csrf_token_is_refused_and_nothing_happens(client):
    await f.organizer_account()
    await client.get("/login")  # the CSRF cookie
    forged = await client.post("/login", data={"login": "organizer", "password": f.PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 403 and "text/html" in forged.headers["content-type"]
    assert "fairs_session" not in forged.headers.get("set-cookie", "")
    none = await client.post("/login", data={"login": "organizer", "password": f.PASSWORD})
    assert none.status_code == 403


async def test_a_wrong_password_is_said_next_to_the_form_and_a_next_page_stays_on_the_site(client):
    await f.organizer_account()
    wrong = await post_form(client, "/login", {"login": "organizer", "password": "not-the-password"})
    assert wrong.status_code == 401 and "登录名或密码不正确" in wrong.text
    assert wrong.headers["content-type"].startswith("text/html")
    assert 'value="organizer"' in wrong.text and "not-the-password" not in wrong.text
    page = await client.get("/login?next=https://evil.example.org/")
    elsewhere = await client.post("/login", data={"login": "organizer", "password": f.PASSWORD, "csrf_token":
                                                  csrf_of(page.text), "next": "https://evil.example.org/"})
    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/organizer"
    here = await client.post("/login", data={"login": "organizer", "password": f.PASSWORD, "next": "/fairs?area=3",
                                             "csrf_token": csrf_of(page.text)})
    assert here.headers["location"] == "/fairs?area=3"


async def test_elder_mode_persists_and_errors_are_pages(client):
    switched = await post_form(client, "/settings/elder", {"elder": "1", "back": "/fairs"}, from_page="/fairs")
    assert switched.status_code == 303 and switched.headers["location"] == "/fairs"
    assert 'class="elder"' in (await client.get("/fairs")).text
    missing = await client.get("/fairs/999999")
    assert missing.status_code == 404 and "没有找到这个页面" in missing.text
    api_missing = await client.get("/events/999999")
    assert api_missing.headers["content-type"].startswith("application/problem+json")


async def test_signing_out_forgets_the_session(client):
    await f.organizer_account()
    await sign_in(client, "organizer")
    out = await post_form(client, "/logout", {}, from_page="/")
    assert out.status_code == 303
    assert "登录" in (await client.get("/")).text and "退出" not in (await client.get("/")).text
