"""Invoices: the shop's policy, then a form for type, title, tax number (company titles) and e-mail.

Platform rules forbid refusing an invoice, so the form only asks for what the
invoice needs: a tax number for a company (unit) title or a 专票, an e-mail
unless the invoice is on paper (it travels with the parcel). The request is
recorded in SQLite for staff to issue.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EventList, GuardedDispatcher, KefuAction, KefuFormValidationAction
from actions.support import ShopDependencies, text
from kefu.normalize import normalize_invoice_type
from kefu.shop.answers import (
    invoice_policy_answer,
    invoice_recorded_answer,
    reply,
    validate_email,
    validate_tax_number,
)

INVOICE_SLOTS = ("invoice_type", "invoice_title", "tax_number", "email")
PERSONAL_TITLE = "个人"
_PERSONAL = re.compile(r"^(?:抬头)?(?:写|开|是|就)?(?:个人|私人)(?:的|抬头)?(?:就行|就可以|吧)?$")
_TITLE_PREFIX = re.compile(r"^(?:发票)?(?:抬头|公司名称|单位名称|名称|公司名)\s*(?:是|写|为)?\s*[:：]?\s*")
# Words that make a title a unit (company, shop, school...): such titles need a tax number.
_UNIT_WORDS = ("公司", "有限", "集团", "厂", "店", "商行", "中心", "事务所", "工作室", "学校", "大学", "学院",
               "医院", "研究", "协会", "银行", "经营部", "合作社", "委员会", "局", "院", "所")
_TAX_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{15,20}(?![0-9A-Za-z])")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9.\-。]+")
MAX_TITLE = 100


def clean_title(text: str) -> Optional[str]:
    """"抬头：杭州某某有限公司" -> "杭州某某有限公司"; "开个人就行" -> "个人"; None when unusable."""
    cleaned = _TITLE_PREFIX.sub("", (text or "").strip()).strip(" 。.,，")
    if _PERSONAL.match(cleaned):
        return PERSONAL_TITLE
    if not 2 <= len(cleaned) <= MAX_TITLE:
        return None
    return cleaned


def is_unit_title(title: Optional[str]) -> bool:
    return bool(title) and title != PERSONAL_TITLE and any(word in title for word in _UNIT_WORDS)


def needs_tax_number(invoice_type: Optional[str], title: Optional[str]) -> bool:
    return invoice_type == "专票" or is_unit_title(title)


def _found_and_valid(
    value: Any, tracker: Tracker, pattern: "re.Pattern[str]", validate: Callable[[str], Optional[str]],
    dispatcher: CollectingDispatcher, invalid_reply: str,
) -> Optional[str]:
    """A valid value from the slot candidate or, failing that, the buyer's whole message.

    The NLU may extract only part of an e-mail or tax number (jieba splits at ``@``
    and ``.``), so the message itself is searched too. Says why when neither is valid.
    """
    for text in (str(value or ""), str((tracker.latest_message or {}).get("text") or "")):
        found = pattern.search(text)
        valid = validate(found.group(0) if found else text)
        if valid is not None:
            return valid
    dispatcher.utter_message(text=reply(invalid_reply))
    return None


class InvoiceTexts(ShopDependencies):
    def ask_type_text(self) -> str:
        return text("ask.invoice_type", types=reply("common.list_separator").join(self.config.invoice.types))


class ValidateInvoiceForm(InvoiceTexts, KefuFormValidationAction):
    def name(self) -> Text:
        return "validate_invoice_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        invoice_type = tracker.get_slot("invoice_type")
        slots = ["invoice_type", "invoice_title"]
        if needs_tax_number(invoice_type, tracker.get_slot("invoice_title")):
            slots.append("tax_number")
        if invoice_type != "纸质普票":
            slots.append("email")
        return slots

    def validate_invoice_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        kind = normalize_invoice_type(str(value or ""))
        if kind is None:
            # Not a type. A title given first is kept; either way the form asks for the type again.
            title = tracker.get_slot("invoice_title") or clean_title(str(value or ""))
            if title != PERSONAL_TITLE and not is_unit_title(title):
                title = None
            return {"invoice_type": None, "invoice_title": title}
        if kind not in self.config.invoice.types:
            dispatcher.utter_message(text=invoice_policy_answer(self.config, kind).text)
            return {"invoice_type": None}
        return {"invoice_type": kind}

    def validate_invoice_title(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        title = clean_title(str(value or ""))
        if title is None:
            dispatcher.utter_message(text=text("invalid.title"))
        return {"invoice_title": title}

    def validate_tax_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"tax_number": _found_and_valid(value, tracker, _TAX_IN_TEXT, validate_tax_number, dispatcher, "invoice.invalid_tax_number")}

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return {"email": _found_and_valid(value, tracker, _EMAIL_IN_TEXT, validate_email, dispatcher, "invoice.invalid_email")}


class ActionInvoicePolicy(ShopDependencies, KefuAction):
    def name(self) -> Text:
        return "action_invoice_policy"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        answer = invoice_policy_answer(self.config, tracker.get_slot("invoice_type"))
        dispatcher.utter_message(text=answer.text)
        return []


class ActionInvoiceRecord(ShopDependencies, KefuAction):
    """Stores the request, confirms it, and clears the invoice slots for a possible next one."""

    def name(self) -> Text:
        return "action_invoice_record"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        invoice_type = tracker.get_slot("invoice_type")
        title = tracker.get_slot("invoice_title")
        if not invoice_type or not title:  # the form was left early: nothing to record
            dispatcher.utter_message(response="utter_anything_else")
            return []
        email = tracker.get_slot("email")
        self.store.record_invoice_request(
            conversation_id=tracker.sender_id,
            order_id=tracker.get_slot("order_id"),
            invoice_type=invoice_type,
            title=title,
            tax_number=tracker.get_slot("tax_number"),
            email=email,
        )
        dispatcher.utter_message(text=invoice_recorded_answer(self.config, invoice_type, title, email).text)
        return [SlotSet(slot, None) for slot in INVOICE_SLOTS]


class ActionAskInvoiceType(InvoiceTexts, KefuAction):
    """Lists the invoice types this shop issues (shop.yml)."""

    def name(self) -> Text:
        return "action_ask_invoice_type"

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        dispatcher.utter_message(text=self.ask_type_text())
        return []


class _AskInvoiceText(KefuAction):
    key = ""

    async def respond(self, dispatcher: GuardedDispatcher, tracker: Tracker, domain: DomainDict) -> EventList:
        dispatcher.utter_message(text=text(self.key))
        return []


class ActionAskInvoiceTitle(_AskInvoiceText):
    key = "ask.invoice_title"

    def name(self) -> Text:
        return "action_ask_invoice_title"


class ActionAskTaxNumber(_AskInvoiceText):
    key = "ask.tax_number"

    def name(self) -> Text:
        return "action_ask_tax_number"


class ActionAskEmail(_AskInvoiceText):
    key = "ask.email"

    def name(self) -> Text:
        return "action_ask_email"
