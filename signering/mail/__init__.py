"""E-mail: the messages the service sends (``templates``) and the SMTP mailer that sends them (``smtp``)."""

from . import templates
from .smtp import OutgoingMail, SmtpMailer

__all__ = ["OutgoingMail", "SmtpMailer", "templates"]
