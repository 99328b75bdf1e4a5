"""Sign-up, sign-in and account creation."""

from __future__ import annotations

from litestar import Controller, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody

from fairs.api.routes.attendance import attendee_details
from fairs.api.schemas import (
    AccountIn,
    AccountOut,
    AttendeeSignUp,
    EmployerSignUp,
    LoginRequest,
    TokenOut,
)
from fairs.api.security import AnyRequest, actor_of, issue_token, organizer, public
from fairs.services import accounts, limits
from fairs.services.context import SYSTEM_CLOCK, Actor


def _account(actor: Actor) -> AccountOut:
    return AccountOut(actor.account_id, actor.role, actor.organization_id, actor.attendee_id)


class AccountController(Controller):
    tags = ["accounts"]

    @post("/auth/login", guards=[public], status_code=200,
          description="Exchange a login and password for a bearer token (valid 12 hours).")
    async def login(self, request: AnyRequest, data: JSONBody[LoginRequest]) -> TokenOut:
        redis = getattr(request.app.state.queue, "pool", None)
        await limits.before_login(redis, data.login, request.client.host if request.client else "")
        actor = await accounts.authenticate(data.login, data.password)
        if actor is None:
            await limits.login_failed(redis, data.login)
            raise NotAuthorizedException("wrong login or password")
        await limits.login_succeeded(redis, data.login)
        # Token lifetimes follow the real clock (the verifier checks against it), not the
        # injected domain clock.
        token, expires = issue_token(actor, request.app.state.settings.secret_key, SYSTEM_CLOCK.now())
        return TokenOut(token, "Bearer", expires, actor.account_id, actor.role, actor.organization_id,
                        actor.attendee_id)

    @post("/signup/employer", guards=[public], status_code=201,
          description="Register an enterprise (checked unified social credit code) and its first account.")
    async def sign_up_employer(self, request: AnyRequest, data: JSONBody[EmployerSignUp]) -> AccountOut:
        org = data.organization
        actor = await accounts.sign_up_employer(
            accounts.OrganizationDetails(org.name, org.credit_code, org.industry, org.contact_name,
                                         org.contact_phone, org.contact_email),
            data.login, data.password, request.app.state.clock)
        return _account(actor)

    @post("/signup/attendee", guards=[public], status_code=201,
          description="A job seeker creates their own account (consent required).")
    async def sign_up_attendee(self, request: AnyRequest, data: JSONBody[AttendeeSignUp]) -> AccountOut:
        actor = await accounts.sign_up_attendee(attendee_details(data.attendee), data.login, data.password,
                                                request.app.state.clock)
        return _account(actor)

    @post("/accounts", guards=[organizer], status_code=201,
          description="Organizers create organizer and service-station staff accounts.")
    async def create_account(self, request: AnyRequest, data: JSONBody[AccountIn]) -> AccountOut:
        account_id = await accounts.create_staff_or_organizer(
            actor_of(request), data.role, data.login, data.password, data.display_name, area_id=data.area_id,
            station_id=data.station_id, departments=tuple(data.departments), email=data.email,
            clock=request.app.state.clock)
        return AccountOut(account_id, data.role)
