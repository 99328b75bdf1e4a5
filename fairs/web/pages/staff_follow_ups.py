"""The station's follow-up calls (稳岗回访, 未录用帮扶): the open ones, each with the person's
phone, the employer and position of a hire, the due date and a small form to record what the
person said; the answered ones below. The calls and the allowed answers are the services'
(``services/outcomes.py``)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from fairs.api.security import public
from fairs.core.errors import DomainError, NotFound
from fairs.services import outcomes
from fairs.web.i18n import N_
from fairs.web.pages.attendee import HTML
from fairs.web.view import PAGE, AnyRequest, field_errors, form_values, page, posted, signed_in

KIND_NAMES = {"retention_1m": N_("1个月回访"), "retention_3m": N_("3个月回访"), "retention_6m": N_("6个月回访"),
              "no_offer": N_("未录用帮扶")}
ANSWER_NAMES = {"still_employed": N_("仍在岗"), "left": N_("已离职"), "unreachable": N_("联系不上"),
                "found_work": N_("已自己找到工作"), "referred_fair": N_("推荐参加下一场招聘会"),
                "referred_training": N_("推荐参加技能培训"), "not_looking": N_("暂时不找工作")}
CHOOSE_ANSWER = N_("请选择回访结果。")


async def _follow_ups_page(request: AnyRequest, status: int = 200, **context: Any) -> Template:
    actor = signed_in(request, "staff")
    return page(request, "staff/follow_ups.html", status=status, open=await outcomes.list_follow_ups(actor, "open"),
                done=await outcomes.list_follow_ups(actor, "done"), kind_names=KIND_NAMES, answer_names=ANSWER_NAMES,
                answers=outcomes.ANSWERS, **context)


@get("/station/follow-ups", guards=[public], include_in_schema=False, opt=PAGE)
async def follow_ups(request: AnyRequest) -> Template:
    return await _follow_ups_page(request)


@post("/station/follow-ups/{follow_up_id:int}/answer", guards=[public], include_in_schema=False, opt=PAGE,
      status_code=303, media_type=HTML)
async def answer(request: AnyRequest, follow_up_id: FromPath[int]) -> Any:
    actor = signed_in(request, "staff")
    form = await posted(request)
    chosen, note = str(form.get("answer") or "").strip(), str(form.get("note") or "").strip()
    try:
        if not chosen:
            errors = {"answer": CHOOSE_ANSWER}
        else:
            await outcomes.record_answer(actor, follow_up_id, chosen, note, request.app.state.clock)
            return Redirect(f"/station/follow-ups?answered={follow_up_id}#done", status_code=303)
    except NotFound:
        raise
    except DomainError as error:
        errors = field_errors(error, request)
        if "answer" in errors:
            errors["answer"] = CHOOSE_ANSWER
    return await _follow_ups_page(request, status=422, errors=errors, failed=follow_up_id, values=form_values(form))


PAGES = [follow_ups, answer]
