#!/usr/bin/env python3
"""Write kefu/dialogue/corpus/clauses.tsv: labelled buyer clauses for the question-kind classifier.

Each template is one way buyers ask one kind of question, over several product categories
(apparel, kids' clothes, bedding, cosmetics, food, electronics, shoes); every template is
filled several times with products, colours, sizes and places, and roughened the way buyers
type (fillers, dialect particles, typos and homophones, dropped punctuation, fragments).
The template's id is written beside each clause, so the held-out split (kefu.dialogue.classifier)
holds out whole templates: a held-out clause is a phrasing the classifier never saw.

Run: .venv/bin/python scripts/clause_corpus.py  (deterministic; the output is committed)
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Dict, List, Tuple

OUT = Path(__file__).resolve().parent.parent / "kefu" / "dialogue" / "corpus" / "clauses.tsv"
PER_TEMPLATE = 8

PRODUCTS = {
    "apparel": ["卫衣", "外套", "牛仔裤", "羽绒服", "大衣", "T恤", "衬衫", "毛衣", "连衣裙", "打底裤", "冲锋衣", "羊毛大衣"],
    "kids": ["童装", "宝宝连体衣", "儿童羽绒服", "儿童卫衣", "女童裙子", "男童裤子", "婴儿爬服", "儿童雪地靴"],
    "bedding": ["四件套", "被子", "枕头", "床单", "被套", "蚕丝被", "乳胶枕", "毛毯", "床垫"],
    "cosmetics": ["面霜", "精华", "口红", "防晒霜", "洗面奶", "面膜", "粉底液", "爽肤水", "眼霜"],
    "food": ["坚果", "茶叶", "零食礼包", "牛肉干", "蜂蜜", "月饼", "咖啡豆"],
    "electronics": ["耳机", "充电宝", "数据线", "蓝牙音箱", "电动牙刷", "手机壳", "智能手表"],
    "shoes": ["运动鞋", "拖鞋", "板鞋", "靴子", "帆布鞋", "老爹鞋"],
}
ALL_PRODUCTS = [p for items in PRODUCTS.values() for p in items]
COLORS = ["黑色", "白色", "灰色", "藏青", "卡其", "粉色", "米白", "浅蓝", "酒红", "军绿", "黑的", "白的", "红色", "奶油色"]
SIZES = ["S", "M", "L", "XL", "2XL", "3XL", "xl", "l码", "m码", "41", "42", "39码", "110", "120", "130", "1.8米", "1.5m", "均码"]
PROVINCES = ["新疆", "西藏", "北京", "上海", "广东", "江西", "四川", "内蒙古", "黑龙江", "海南", "浙江", "南京", "深圳", "成都"]
ADDRESSES = ["南京市江宁区双龙大道100号", "深圳福田区福华路8号", "杭州市西湖区文三路20号", "成都市武侯区天府大道1号"]
COURIERS = ["顺丰", "中通", "圆通", "韵达", "邮政", "京东快递", "极兔", "EMS"]
FABRICS = ["纯棉", "全棉", "涤纶", "羊毛", "真丝", "莫代尔", "亚麻", "羊绒"]
COUNTRIES = ["日本", "韩国", "美国", "国外", "海外", "新加坡", "加拿大", "澳洲", "英国"]

# kind -> templates. {p} product, {c} colour, {s} size, {v} province/city, {a} address, {k} courier,
# {f} fabric, {g} country, {n} a number.
TEMPLATES: Dict[str, List[str]] = {
    "stock": ["{c}{s}有货吗", "{s}还有吗", "{p}还有货没", "{c}的有没有", "这个{c}还有吗", "{c}{s}还剩几件", "{s}码有现货吗",
              "还有{s}的吗", "{p}{c}有吗", "有{c}{s}吗", "{c}还有没", "现在能拍吗 {s}", "{s}有木有", "{c}{s}缺货了吗",
              "{p}卖完了吗", "{c}{s}库存多少", "{s}的还有没有呀", "有没有{s}", "{c}{s}能买吗", "这款还有{c}么"],
    "restock": ["{c}{s}什么时候补货", "啥时候有货", "{s}还会补吗", "什么时候到货", "{c}多久能补", "会不会补货呀",
                "{s}几号有货", "{p}还补不补", "缺的{s}啥时候来货"],
    "restock_notify": ["到货了通知我", "有货了告诉我一下", "补货了提醒我", "到了通知一下", "来货了喊我", "到货提醒我下"],
    "size_advice": ["我{n}斤穿什么码", "身高170 体重120穿多大", "穿多大的码", "选哪个码合适", "{s}能穿吗", "偏大还是偏小",
                    "尺码标准吗", "我平时穿{s} 这款拿几码", "165 100斤 推荐什么码", "脚长25cm穿几码", "码数准不准",
                    "腰围二尺二穿多大", "孩子身高{n}cm穿多大", "宝宝一岁半穿什么码", "一米七八 75公斤选啥码", "穿{s}还是大一码",
                    "{s}会不会小", "尺码怎么选", "胖一点穿哪个", "我170穿{s}行吗"],
    "ship_weekend": ["周日发货吗", "周末发不发", "星期六能发吗", "礼拜天也发货吗", "节假日发货不", "周六上班吗 发货吗", "周末能发出去不"],
    "courier": ["发什么快递", "能发{k}吗", "默认什么快递", "可以指定{k}不", "{k}要补运费吗", "走哪家物流", "换{k}多少钱",
                "{k}多少钱", "发{k}的话补多少"],
    "free_shipping": ["包邮吗", "{v}包邮不", "运费多少", "邮费怎么算", "要运费吗", "偏远地区包邮吗", "发{v}包不包邮", "免运费吗"],
    "presale": ["是预售吗", "现货还是预售", "要交定金吗", "尾款什么时候付", "预售多久发"],
    "transit": ["发{v}几天到", "到{v}要多久", "几天能到", "多久能收到", "寄{v}大概几天", "{v}几天能到手", "什么时候能到",
                "到{v}快吗", "哪天能收到", "发到{v}需要几天啊"],
    "ship_when": ["什么时候发货", "今天能发吗", "多久发货", "几点前下单当天发", "现在拍几号发", "拍了多久发", "明天能发出吗",
                  "今天拍几号发", "下单后多久发", "几号能发", "哪天发货", "付款后多久发出", "能尽快发吗", "当天发吗"],
    "logistics": ["我的快递到哪了", "查一下物流", "怎么还没收到", "单号多少", "发货了吗", "我买的{p}发货了吗", "包裹到哪了",
                  "物流怎么不动了", "催一下发货", "订单{n}什么情况", "怎么还没发货", "我的{p}到哪了", "物流信息一直没更新"],
    "address_change": ["地址写错了", "能改地址吗", "修改一下收货地址", "收货地址换一下", "地址改到{a}", "地址填错了能改吗",
                       "帮我改成{a}", "收货人电话错了", "改一下地址", "地址选错了"],
    "order_change": ["拍错尺码了能改吗", "码拍错了 改成{s}", "鞋码拍错了 改成41", "颜色拍错了 换成{c}", "帮我改一下颜色",
                     "改成{s}的", "能改个尺码吗", "规格选错了", "下错码了 换{s}", "颜色选错了 要{c}"],
    "order_cancel": ["取消订单", "不要了 帮我取消", "还没发货能退款吗", "拍错了 能取消吗", "我要申请退款", "帮我把这单取消了",
                     "没发货的话直接退款吧", "下单重复了 取消一个", "撤单", "这单不要了能退吗 还没发"],
    "courier_remark": ["放驿站就行", "别打电话", "快递放门口", "能不能让快递放驿站 别打电话", "放快递柜", "送到门卫就行",
                       "不要送上门", "备注一下放丰巢", "跟快递说放物业", "晚上再送", "放菜鸟驿站 不用打电话", "不要敲门 放门口"],
    "freight_insurance": ["有运费险吗", "送运费险不", "退货险有没有", "运费险怎么用"],
    "return_who_pays": ["运费谁出", "退货邮费谁承担", "退回来运费我出吗", "质量问题运费你们出吗", "换货要我出运费吗", "退货要花钱吗"],
    "refund_time": ["退款多久到账", "钱什么时候退回来", "退款几天到", "多久能退钱"],
    "return_condition": ["吊牌剪了还能退吗", "我把标签扯掉了", "洗过了还能退吗", "穿过一次能退吗", "包装扔了还能退不", "拆了包装能退吗"],
    "exchange": ["能换码吗", "不合适能换吗", "换大一码", "怎么换货", "可以换颜色吗", "换个小一号的"],
    "return_how": ["怎么申请退货", "退货流程是什么", "在哪里申请售后", "怎么退", "退货地址发我"],
    "return_window": ["能退吗", "七天无理由吗", "不喜欢能退吗", "收到不合适可以退吗", "几天内能退", "还给退不", "支持退货吗", "不想要了能退吗"],
    "invoice_apply": ["帮我开个发票", "我要开票", "给我开张发票", "麻烦开一下发票", "开个电子发票", "需要开发票"],
    "invoice_wrong_title": ["发票抬头开错了", "税号写错了", "重新开发票", "抬头改一下"],
    "invoice_when": ["发票什么时候开", "多久能开票", "开票要几天", "发票还没收到"],
    "invoice_paper": ["是电子发票吗", "有纸质发票吗", "发票寄给我吗", "电子的还是纸质的"],
    "invoice_request": ["发票", "开票", "发票的事", "抬头怎么填", "税号给你", "关于发票"],
    "invoice_types": ["能开发票吗", "有发票吗", "可以开专票吗", "能开增值税专用发票吗", "开什么发票"],
    "coupon": ["有优惠券吗", "有券没", "有什么活动", "满减吗", "有没有红包", "现在有啥优惠"],
    "bargain": ["能便宜点吗", "两件便宜点", "少点呗", "最低多少", "打个折吧", "抹个零", "再优惠点", "买两件能便宜吗", "老顾客便宜点"],
    "contact_offplatform": ["加个微信吧", "留个电话", "你微信多少", "以后直接找你买", "加vx聊", "私聊一下", "私下转你微信便宜十块行不", "给个qq"],
    "review_cashback": ["好评返现吗", "五星好评有红包吗", "晒图返钱吗", "评价有奖励吗"],
    "cash_on_delivery": ["货到付款吗", "能到付吗", "先收货再付款行吗"],
    "pay_transfer": ["我直接转账给你", "私下交易便宜点", "支付宝转你", "扫码付可以吗", "打钱给你行不"],
    "cheaper_elsewhere": ["别家比你便宜", "直播间比这便宜", "淘宝上卖得便宜", "其他店价格更低"],
    "meet_offline": ["有实体店吗", "可以自提吗", "线下交易行吗", "当面交易"],
    "human": ["转人工", "找人工客服", "我要真人", "你是机器人吗", "人工", "叫你们店长来"],
    "product_fact": ["面料纯棉吗", "会缩水吗", "起球吗", "会不会磨脚", "防滑吗", "这个大衣羊毛含量多少", "含绒量多少",
                     "鸭绒还是鹅绒", "是{f}的吗", "什么材质", "能机洗吗", "怎么洗", "产地是哪里", "是国产的吗", "有赠品吗",
                     "直播间说下单送袜子", "能不能寄到{g}", "我在{g} 能发吗", "厚不厚", "透气吗", "掉色吗", "会不会起球",
                     "{p}质量怎么样", "是正品吗", "保质期多久", "敏感肌能用吗", "孕妇可以用吗", "续航多久", "适合多大的床",
                     "这个被子多重", "里面填充的是什么", "{p}是什么面料", "扎不扎", "有弹力吗", "保暖吗", "鞋底软不软",
                     "甜不甜", "含酒精吗", "适合油皮吗", "宝宝能穿吗 会不会过敏", "送礼盒吗", "{f}含量多少"],
    "complaint": ["质量太差了", "什么破东西", "洗一次就开线", "你们发错货了", "收到就是坏的", "气死我了", "我要投诉",
                  "太垃圾了", "跟图片完全不一样", "鞋子两只不一样大", "{p}破了个洞", "有股怪味 熏死了", "掉色掉得厉害 白衣服都染了",
                  "我要给差评", "什么服务态度", "骗子店", "等了十天还不发 太过分了", "少发了一件", "收到的{p}是脏的",
                  "穿一次就起球了 什么质量", "拉链坏了 太失望了", "你们这{p}质量太差了", "再不处理我就投诉", "退款拖了这么久 什么意思",
                  "买到假货了", "包装都压烂了", "东西收到了 很不满意", "这也太坑了吧", "做工太粗糙了", "线头到处都是",
                  "一股味道 根本没法穿", "穿了一天就坏了", "鞋子开胶了", "才洗一次就褪色了", "缩水缩得没法穿了",
                  "发的什么东西 尺码完全不对", "等了一个星期都没发货 什么意思", "说好的赠品没给", "给我的是旧的 有人穿过",
                  "快递把东西弄坏了", "怎么跟专柜不一样 假的吧", "太让人失望了", "后悔买了", "以后再也不来了", "我很生气",
                  "明显是二手的", "漏发了配件", "收到的颜色不对", "{p}是坏的 不能用", "充电宝充不进电", "面霜用了过敏 脸都红了",
                  "吃出异物了", "零食过期了", "被子有霉味", "你们就这么做生意的吗", "一直没人处理 搞什么"],
    "thank": ["谢谢", "好的谢谢亲", "感谢", "辛苦了"],
    "goodbye": ["再见", "拜拜", "没事了", "就这些"],
    "greet": ["在吗", "你好", "亲", "有人吗", "老板在不"],
    "ok": ["好的", "嗯嗯", "行", "知道了", "那我拍了", "ok", "这件我要了", "就要这个了", "给我来一件{c}的", "我要两件", "那就这个吧"],
    "other": ["今天天气怎么样", "你们老板是谁", "哈哈哈", "asdfgh", "我想想", "我问问我老婆", "你们店开多久了", "12345",
              "😀😀", "你吃饭了吗", "讲个笑话", "随便看看", "等我下班再说", "鞋子", "{p}", "我买的", "这个", "看看",
              "这款{p}", "{c}的{p}", "我看中这个{p}了", "给我女儿买的", "送人的", "上次买过"],
}

PREFIXES = ["", "", "", "亲 ", "亲，", "你好 ", "老板 ", "请问", "问下", "那", "我想问下", "客服 ", "在吗 "]
SUFFIXES = ["", "", "", "?", "？", "呀", "啊", "哈", "呢", "～", "嘞", "捏", "哇", "亲", "？？"]
TYPOS = [("吗", "嘛"), ("吗", "么"), ("什么", "啥"), ("什么", "神马"), ("有没有", "有木有"), ("的", "滴"), ("可以", "可不可以"),
         ("发货", "fa货"), ("多少", "几多"), ("怎么", "咋"), ("是不是", "是否"), ("不", "不不"), ("能", "可以"), ("这个", "这"),
         ("快递", "快第"), ("衣服", "依服"), ("尺码", "尺吗"), ("优惠", "忧惠"), ("便宜", "便意"), ("地址", "地止")]


def fill(template: str, rng: random.Random) -> str:
    return template.format(
        p=rng.choice(ALL_PRODUCTS), c=rng.choice(COLORS), s=rng.choice(SIZES), v=rng.choice(PROVINCES),
        a=rng.choice(ADDRESSES), k=rng.choice(COURIERS), f=rng.choice(FABRICS), g=rng.choice(COUNTRIES),
        n=rng.choice(["120", "95", "140", "160", "3018", "110", "130"]),
    )


def roughen(text: str, rng: random.Random) -> str:
    if rng.random() < 0.35:
        a, b = rng.choice(TYPOS)
        text = text.replace(a, b, 1)
    if rng.random() < 0.25:
        text = text.replace(" ", "")
    return (rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)).strip()


def rows() -> List[Tuple[str, str, str]]:
    rng = random.Random(20261202)
    out: List[Tuple[str, str, str]] = []
    for label, templates in TEMPLATES.items():
        for index, template in enumerate(templates):
            group = f"{label}:{index}"
            seen = set()
            for _ in range(PER_TEMPLATE * 3):
                text = roughen(fill(template, rng), rng)
                if text not in seen:
                    seen.add(text)
                    out.append((label, group, text))
                if len(seen) >= PER_TEMPLATE:
                    break
    return out


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    lines = ["label\ttemplate\ttext"] + ["\t".join(row) for row in rows()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} clauses -> {OUT}")


if __name__ == "__main__":
    main()
