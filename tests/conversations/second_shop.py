"""A second shop, generated: other products, colours, sizes, cut-off, return window, couriers.

The conversation suite runs against it with the same trained model, so its answers
provably come from the shop's files. Colours such as 荧光绿 and 雾霾蓝 never occur in the
training data. ``write_second_shop`` writes shop.yml, catalog.yml and orders.yml and
returns the facts the suite's answers must contain, worked out by hand from the
values below (clock: Tuesday 1 Dec 2026, 10:00).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

SHOP: Dict[str, Any] = {
    "name": "轻羽运动",
    "default_platform": "douyin",
    "timezone": "Asia/Shanghai",
    "low_stock_threshold": 2,
    "shipping": {
        "warehouse_province": "广东",
        "couriers": ["圆通速递", "申通快递", "顺丰速运"],
        "default_courier": "圆通速递",
        "ship_within_hours": 72,
        "cutoff": "17:30",
        "weekend_shipping": {"saturday": False, "sunday": True},
        "delivery_days": {"广东": [1, 2], "北京": [3, 4], "浙江": [2, 3], "新疆": [6, 9], "西藏": [7, 10],
                          "上海": [2, 3]},
        "default_delivery_days": [3, 5],
        "remote_provinces": ["新疆", "西藏"],
        "free_shipping": {"enabled": True, "except_provinces": ["新疆", "西藏"], "except_fee": 15},
        "courier_surcharge": {"顺丰速运": 15},
        "presale": False,
    },
    "returns": {"window_days": 15, "return_shipping": {"quality": "shop", "no_reason": "buyer"},
                "freight_insurance": True, "refund_days": [2, 5]},
    "invoice": {"types": ["电子普票"], "issued_after": "确认收货", "issued_within_days": 5},
    "coupons": [{"name": "新客立减券", "amount": 15, "threshold": 99, "valid_until": "2026-12-31",
                 "how_to_get": "在店铺首页领取"}],
    "service_hours": {"start": "08:30", "end": "22:00"},
    "handoff": {"refund_amount_threshold": 800, "product_ids": ["q2004"], "intents": ["complain", "request_human"]},
}


def _skus(rows):
    return [dict(zip(("color", "size", "stock"), row[:3]), **({"restock_date": row[3]} if len(row) > 3 else {}))
            for row in rows]


CATALOG: Dict[str, Any] = {
    "size_charts": {
        "上衣": [
            {"size": "S", "height": [155, 163], "weight": [45, 55]},
            {"size": "M", "height": [163, 170], "weight": [55, 63]},
            {"size": "L", "height": [170, 176], "weight": [63, 72]},
            {"size": "XL", "height": [176, 182], "weight": [72, 82]},
            {"size": "2XL", "height": [182, 190], "weight": [82, 95]},
        ],
        "裤装": [{"size": str(s), "height": [h, h + 5], "weight": [w, w + 6]}
                 for s, h, w in ((25, 150, 40), (26, 155, 46), (27, 160, 52), (28, 165, 58), (29, 170, 64), (30, 175, 70))],
        "鞋": [{"size": str(s), "foot": [238 + 5 * i, 243 + 5 * i]} for i, s in enumerate(range(38, 46))],
    },
    "products": [
        {"id": "q2001", "name": "速干运动T恤", "aliases": ["运动T恤", "速干T恤", "速干衣"], "category": "上衣",
         "price": 79, "fit": "正常", "fit_note": "版型正常，按平时尺码选即可",
         "skus": _skus([("荧光绿", "S", 10), ("荧光绿", "M", 40), ("荧光绿", "L", 20), ("荧光绿", "XL", 1),
                        ("荧光绿", "2XL", 0, "2026-12-09"),
                        ("深灰色", "M", 0, "2026-11-20"), ("深灰色", "L", 25), ("深灰色", "XL", 18), ("深灰色", "2XL", 0),
                        ("宝蓝色", "S", 0), ("宝蓝色", "M", 12), ("宝蓝色", "L", 9), ("宝蓝色", "XL", 4)])},
        {"id": "q2002", "name": "加厚瑜伽裤", "aliases": ["瑜伽裤", "健身裤", "打底裤"], "category": "裤装",
         "price": 119, "fit": "正常", "fit_note": "高弹面料，按平时腰围尺码选即可",
         "skus": _skus([("黑色", "27", 30), ("黑色", "28", 0), ("黑色", "29", 14), ("雾霾蓝", "27", 5),
                        ("雾霾蓝", "28", 8), ("雾霾蓝", "29", 0, "2026-12-12")])},
        {"id": "q2003", "name": "户外登山鞋", "aliases": ["登山鞋", "徒步鞋"], "category": "鞋",
         "price": 329, "fit": "正常", "fit_note": "鞋码标准，穿厚袜可以拍大一码",
         "skus": _skus([("卡其色", str(s), 9) for s in range(38, 46)]
                       + [("军绿色", str(s), 3) for s in range(38, 40)] + [("军绿色", "40", 0, "2026-12-04")]
                       + [("军绿色", str(s), 7) for s in range(41, 46)])},
        {"id": "q2004", "name": "专业冲锋衣", "aliases": ["冲锋衣"], "category": "上衣", "price": 899, "fit": "正常",
         "fit_note": "", "skus": _skus([("黑色", "L", 3), ("黑色", "XL", 2)])},
    ],
}

ORDERS: Dict[str, Any] = {"orders": [
    {"order_id": "3611290800112233445", "status": "已发货", "product_id": "q2001", "color": "宝蓝色", "size": "M",
     "quantity": 1, "amount": 79.0, "created_at": "2026-11-29 08:00", "paid_at": "2026-11-29 08:01",
     "shipped_at": "2026-11-29 18:00", "courier": "圆通速递", "tracking_number": "YT5566778899001",
     "receiver_name": "钱多多", "receiver_phone": "13755556666", "receiver_address": "北京市海淀区中关村大街 27 号",
     "province": "北京", "events": [
         {"time": "2026-11-29 18:00", "text": "【广州市】快件已揽收"},
         {"time": "2026-11-30 21:10", "text": "【武汉市】快件已到达武汉转运中心"},
         {"time": "2026-12-01 07:30", "text": "【郑州市】快件已到达郑州转运中心"}]},
    {"order_id": "3611100900556677889", "status": "已发货", "product_id": "q2002", "color": "黑色", "size": "27",
     "quantity": 1, "amount": 119.0, "created_at": "2026-11-10 09:00", "paid_at": "2026-11-10 09:01",
     "shipped_at": "2026-11-10 18:00", "courier": "申通快递", "tracking_number": "77300011122",
     "receiver_name": "孙悦", "receiver_phone": "18912345670", "receiver_address": "四川省成都市武侯区人民南路 4 段",
     "province": "四川", "events": [{"time": "2026-11-10 18:00", "text": "【广州市】快件已揽收"},
                                    {"time": "2026-11-12 09:00", "text": "【长沙市】快件已到达长沙转运中心"}]},
    {"order_id": "3611200700998877665", "status": "已签收", "product_id": "q2003", "color": "卡其色", "size": "42",
     "quantity": 1, "amount": 329.0, "created_at": "2026-11-20 07:00", "paid_at": "2026-11-20 07:01",
     "shipped_at": "2026-11-20 17:00", "courier": "圆通速递", "tracking_number": "YT1122334455667",
     "receiver_name": "周全", "receiver_phone": "13600001234", "receiver_address": "上海市闵行区虹井路 120 号",
     "province": "上海", "events": [{"time": "2026-11-20 17:00", "text": "【广州市】快件已揽收"},
                                    {"time": "2026-11-22 15:20", "text": "【上海市】快件已签收，签收人：本人"}]},
    {"order_id": "3611010800123123123", "status": "已签收", "product_id": "q2001", "color": "深灰色", "size": "L",
     "quantity": 1, "amount": 79.0, "created_at": "2026-11-01 08:00", "paid_at": "2026-11-01 08:01",
     "shipped_at": "2026-11-01 17:00", "courier": "圆通速递", "tracking_number": "YT9988776655443",
     "receiver_name": "吴桐", "receiver_phone": "13311112222", "receiver_address": "浙江省宁波市鄞州区天童南路 8 号",
     "province": "浙江", "events": [{"time": "2026-11-01 17:00", "text": "【广州市】快件已揽收"},
                                    {"time": "2026-11-04 10:00", "text": "【宁波市】快件已签收，签收人：前台"}]},
    {"order_id": "3611301100445566778", "status": "待发货", "product_id": "q2003", "color": "卡其色", "size": "41",
     "quantity": 1, "amount": 329.0, "created_at": "2026-11-30 11:00", "paid_at": "2026-11-30 11:01",
     "receiver_name": "冯晨", "receiver_phone": "15566667788", "receiver_address": "浙江省杭州市滨江区网商路 699 号",
     "province": "浙江"},
    {"order_id": "3611301500667788990", "status": "待付款", "product_id": "q2001", "color": "荧光绿", "size": "M",
     "quantity": 1, "amount": 79.0, "created_at": "2026-11-30 15:00", "receiver_name": "陈默",
     "receiver_phone": "13900001111", "receiver_address": "广东省广州市天河区珠江新城", "province": "广东"},
]}

# What the answers must contain, worked out by hand from the values above.
FACTS: Dict[str, Any] = {
    "shop": {
        "cutoff": "17:30", "ship_hours": 72, "default_courier": "圆通速递", "other_courier": "申通快递",
        "surcharge_courier_word": "顺丰", "surcharge_courier": "顺丰速运", "surcharge": 15,
        "unknown_courier_word": "中通", "free_except": "新疆", "free_fee": 15, "free_city": "宁波",
        "free_province": "浙江", "closed_day": "周六", "closed_day_alt": "礼拜六", "closed_day_next": "12月6日",
        "open_day": "周日", "open_day_alt": "星期天",
        "window": 15, "refund_low": 2, "refund_high": 5, "insurance": "运费险", "invoice_types": "电子普票",
        "invoice_single": "电子普票", "invoice_days": 5, "coupon": "满99元减15元", "coupon_none_word": "新客立减券",
    },
    "transit": {
        "near_city": "北京", "near_province": "北京", "near_days": "3-4天", "near_window": "12月4日至12月5日",
        "far_city": "乌鲁木齐", "far_province": "新疆", "far_days": "6-9天", "far_window": "12月7日至12月10日",
        "mid_city": "深圳", "mid_province": "广东", "mid_days": "1-2天",
    },
    "top": {
        "id": "q2001", "name": "速干运动T恤", "alias": "速干衣", "color_a": "荧光绿", "color_a_stem": "荧光绿",
        "color_b": "宝蓝色", "colors_all": "荧光绿、深灰色、宝蓝色", "size_in": "L", "size_in_wide": "Ｌ",
        "size_low": "XL", "size_low_wide": "ｘｌ", "low_count": 1,
        "past_color": "深灰色", "past_size": "M", "out_color": "深灰色", "out_size": "2XL",
        "body_height": 178, "body_weight_jin": 150, "body_weight_kg": 75, "body_size": "XL", "missing_color": "紫色",
    },
    "tee": {
        "id": "q2001", "name": "速干运动T恤", "alias": "运动T恤", "color": "荧光绿", "size_a": "M", "size_b": "L",
        "future_size": "2XL", "future_date": "12月9日",
    },
    "shoes": {
        "id": "q2003", "name": "户外登山鞋", "alias": "登山鞋", "color": "军绿色", "future_size": "40",
        "future_date": "12月4日", "in_color": "卡其色", "in_size": "42", "foot_mm": 252, "foot_cm": "25.2",
        "foot_size": "40",
    },
    "pants": {
        "id": "q2002", "name": "加厚瑜伽裤", "alias": "瑜伽裤", "color": "黑色", "color_stem": "黑",
        "in_size": "27", "out_size": "28", "waist": "2尺1", "waist_size": "28",
    },
    "person_product": {"id": "q2004", "alias": "冲锋衣"},
    "orders": {
        "moving": "3611290800112233445", "moving_name": "钱多多", "moving_last4": "6666",
        "moving_courier": "圆通速递", "moving_tracking": "YT5566778899001", "moving_event": "郑州转运中心",
        "moving_arrive": "12月3日", "stuck": "3611100900556677889", "stuck_last4": "5670",
        "open_window": "3611200700998877665", "open_window_delivered": "11月22日", "open_window_deadline": "12月7日",
        "open_window_name": "周全",
        "closed_window": "3611010800123123123", "closed_window_delivered": "11月4日", "closed_window_name": "吴桐",
        "awaiting": "3611301100445566778", "awaiting_name": "冯晨", "awaiting_province": "浙江省杭州市",
        "unpaid": "3611301500667788990", "unpaid_name": "陈默",
    },
}


def write_second_shop(directory: Path) -> Dict[str, Any]:
    """Write the shop's three files into ``directory``; return its facts."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in (("shop.yml", SHOP), ("catalog.yml", CATALOG), ("orders.yml", ORDERS)):
        (directory / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return FACTS
