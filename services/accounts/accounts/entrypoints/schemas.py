"""Request and response bodies of the account API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Login = Field(min_length=3, max_length=254, description="An e-mail address or a Vietnamese phone number")
Password = Field(min_length=1, max_length=128)
Code = Field(min_length=4, max_length=12, description="The six-digit code sent to the login")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUpIn(Strict):
    login: str = Login
    name: str = Field(min_length=1, max_length=200)
    password: str = Password


class VerificationIn(Strict):
    login: str = Login
    code: str = Code


class ResetIn(Strict):
    login: str = Login


class ResetConfirmationIn(Strict):
    login: str = Login
    code: str = Code
    password: str = Password


class InvitationIn(Strict):
    login: str = Login
    code: str = Code
    name: str = Field(default="", max_length=200)
    password: str = Password


class SignOutIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class DemoSignInIn(Strict):
    login: str = Login


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    message: str


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds the access token is valid")
    refresh_token: str
    refresh_expires_in: int = Field(description="Seconds the session lasts without use")
    session_id: str


class MeOut(BaseModel):
    subject: str
    login: str
    name: str
    status: str


class MailOut(BaseModel):
    recipient: str
    subject: str
    body: str
    sent_at: str
