"""action_validate_slot_mappings: platform, product and order from metadata or text; normalised entities."""

from action_helpers import entity, make_tracker, run, slot_events

from actions.context import ValidateSlotMappings, platform_in_text


def test_product_link_metadata_sets_product_and_platform(store, dispatcher, domain):
    tracker = make_tracker("这个有货吗", "ask_stock", metadata={"product_id": "p1002", "platform": "taobao"})
    slots = slot_events(run(ValidateSlotMappings(store=store), dispatcher, tracker, domain))
    assert slots["product_id"] == "p1002"
    assert slots["platform"] == "taobao"


def test_product_named_in_text_is_found_by_alias(store, dispatcher, domain):
    tracker = make_tracker("卫衣还有货吗", "ask_stock", entities=[entity("product", "卫衣")])
    slots = slot_events(run(ValidateSlotMappings(store=store), dispatcher, tracker, domain))
    assert slots["product_id"] == "p1002"


def test_unknown_product_id_in_metadata_is_ignored(store, dispatcher, domain):
    tracker = make_tracker("有货吗", "ask_stock", metadata={"product_id": "nope"}, slots={"product_id": "p1001"})
    slots = slot_events(run(ValidateSlotMappings(store=store), dispatcher, tracker, domain))
    assert "product_id" not in slots


def test_platform_falls_back_to_the_default(store, dispatcher, domain):
    slots = slot_events(run(ValidateSlotMappings(store=store), dispatcher, make_tracker("你好", "greet"), domain))
    assert slots["platform"] == "pinduoduo"


def test_platform_words_in_text_and_metadata_priority(store, dispatcher, domain):
    assert platform_in_text("我是在京东下的单") == "jd"
    assert platform_in_text("x" * 5000) is None
    tracker = make_tracker("我在京东买的", "inform", metadata={"platform": "douyin"})
    slots = slot_events(run(ValidateSlotMappings(store=store), dispatcher, tracker, domain))
    assert slots["platform"] == "douyin"


def test_order_from_metadata_unless_typed(store, dispatcher, domain):
    tracker = make_tracker("到哪了", "ask_logistics", metadata={"order_id": "2611200930456789012"})
    slots = slot_events(run(ValidateSlotMappings(store=store), dispatcher, tracker, domain))
    assert slots["order_id"] == "2611200930456789012"


def test_entities_are_normalised(store, dispatcher, domain):
    tracker = make_tracker(
        "xl 黑的 发杭州",
        "ask_stock",
        entities=[entity("size", "xl"), entity("color", "黑的"), entity("city", "杭州")],
        slots={},
    )
    # action_extract_slots has already copied the raw entity values into the slots.
    tracker.slots.update({"size": "xl", "color": "黑的", "province": "杭州"})
    tracker.events.append({"event": "slot", "name": "size", "value": "xl"})
    tracker.events.append({"event": "slot", "name": "color", "value": "黑的"})
    tracker.events.append({"event": "slot", "name": "province", "value": "杭州"})
    slots = slot_events(run(ValidateSlotMappings(store=store), dispatcher, tracker, domain))
    assert slots["size"] == "XL"
    assert slots["color"] == "黑色"
    assert slots["province"] == "浙江"
    assert dispatcher.messages == []
