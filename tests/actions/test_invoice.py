"""Invoices: what the form asks depends on title and type; validation; the request is recorded."""

import asyncio

from action_helpers import make_tracker, run, texts

from actions.invoice import ActionInvoicePolicy, ActionInvoiceRecord, ValidateInvoiceForm, clean_title


def required(store, config, slots, domain):
    form = ValidateInvoiceForm(store=store, config=config)
    return asyncio.run(form.required_slots([], None, make_tracker(slots=slots), domain))


def test_company_titles_need_a_tax_number_personal_ones_do_not(store, config, domain):
    personal = required(store, config, {"invoice_type": "电子普票", "invoice_title": "个人"}, domain)
    company = required(store, config, {"invoice_type": "电子普票", "invoice_title": "杭州星辰科技有限公司"}, domain)
    paper = required(store, config, {"invoice_type": "纸质普票", "invoice_title": "个人"}, domain)
    assert personal == ["invoice_type", "invoice_title", "email"]
    assert company == ["invoice_type", "invoice_title", "tax_number", "email"]
    assert paper == ["invoice_type", "invoice_title"]


def test_titles_are_cleaned():
    assert clean_title("抬头：北京优品贸易有限公司") == "北京优品贸易有限公司"
    assert clean_title("开个人就行") == "个人"
    assert clean_title("x") is None
    assert clean_title("公" * 500) is None


def test_tax_number_must_have_15_18_or_20_characters(store, config, dispatcher, domain):
    form = ValidateInvoiceForm(store=store, config=config)
    assert form.validate_tax_number("税号是91310000MA1FL3XK2Q", dispatcher, make_tracker(), domain) == {
        "tax_number": "91310000MA1FL3XK2Q"
    }
    assert form.validate_tax_number("1234567", dispatcher, make_tracker(), domain) == {"tax_number": None}
    assert "15、18或20位" in texts(dispatcher)[0]


def test_email_is_validated(store, config, dispatcher, domain):
    form = ValidateInvoiceForm(store=store, config=config)
    assert form.validate_email("发到 finance@abc-corp.cn 谢谢", dispatcher, make_tracker(), domain) == {
        "email": "finance@abc-corp.cn"
    }
    assert form.validate_email("not-an-email", dispatcher, make_tracker(), domain) == {"email": None}
    assert "邮箱" in texts(dispatcher)[0]


def test_policy_answer_lists_the_shop_types(store, config, dispatcher, domain):
    run(ActionInvoicePolicy(store=store, config=config), dispatcher, make_tracker(), domain)
    assert "电子普票" in texts(dispatcher)[0] and "专票" in texts(dispatcher)[0]


def test_request_is_recorded_and_slots_cleared(store, config, dispatcher, domain):
    slots = {"invoice_type": "电子普票", "invoice_title": "杭州星辰科技有限公司",
             "tax_number": "91310000MA1FL3XK2Q", "email": "finance@abc-corp.cn"}
    events = run(ActionInvoiceRecord(store=store, config=config), dispatcher, make_tracker(slots=slots), domain)
    rows = store.invoice_requests()
    assert len(rows) == 1 and rows[0]["tax_number"] == "91310000MA1FL3XK2Q" and rows[0]["conversation_id"] == "buyer-1"
    assert "已为您登记" in texts(dispatcher)[0]
    assert "finance@abc-corp.cn" not in texts(dispatcher)[0]  # shown masked
    assert {e["name"] for e in events if e["event"] == "slot" and e["value"] is None} == {
        "invoice_type", "invoice_title", "tax_number", "email"
    }


def test_a_title_given_instead_of_the_type_is_kept_and_the_type_asked_again(store, config, dispatcher, domain):
    form = ValidateInvoiceForm(store=store, config=config)
    assert form.validate_invoice_type("杭州简行科技有限公司", dispatcher, make_tracker(), domain) == {
        "invoice_type": None,
        "invoice_title": "杭州简行科技有限公司",
    }
    assert form.validate_invoice_type("不知道", dispatcher, make_tracker(), domain) == {
        "invoice_type": None,
        "invoice_title": None,
    }
    assert form.validate_invoice_type("电子的", dispatcher, make_tracker(), domain)["invoice_type"] == "电子普票"


def test_policy_answer_does_not_ask_for_everything_at_once(store, config, dispatcher, domain):
    """The form asks type, title, tax number and e-mail one at a time after the policy."""
    run(ActionInvoicePolicy(store=store, config=config), dispatcher, make_tracker(), domain)
    assert "邮箱哦" not in texts(dispatcher)[0] and "请您提供发票抬头" not in texts(dispatcher)[0]


def test_a_partly_extracted_email_is_recovered_from_the_message(store, config, dispatcher, domain):
    """jieba splits e-mails at @ and ., so the NLU may hand over only a piece of one."""
    form = ValidateInvoiceForm(store=store, config=config)
    tracker = make_tracker("caiwu@jianxing.com", intent="inform")
    assert form.validate_email("jianxing.com", dispatcher, tracker, domain) == {"email": "caiwu@jianxing.com"}
    assert dispatcher.messages == []
    tracker = make_tracker("税号91330106MA2H3KLM7X", intent="inform")
    assert form.validate_tax_number("91330106", dispatcher, tracker, domain) == {"tax_number": "91330106MA2H3KLM7X"}
