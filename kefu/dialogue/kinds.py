"""The question-kind registry: one record per kind of question a buyer asks.

A kind is everything kefu knows about one question — 「周日发货吗」 is ``ship_weekend``:
the precise patterns that recognise it in a clause, the family (topic) it belongs to for
follow-ups, the more general kinds it makes redundant in the same clause, the trained
intents that mean it when nothing else matched, the reply keys its answer uses, and the
name of the handler that answers it. ``kefu.dialogue.questions`` (recognition) and
``kefu.dialogue.engine`` (answers) read these records; nothing else defines a kind.

The learned clause classifier (``kefu.dialogue.classifier``) is trained on the labelled
corpus in ``kefu/dialogue/corpus/``, whose labels are these kinds' names.

How to add a kind (docs/dialogue.md, "Adding a question kind"):
1. add a ``Kind`` record below (patterns only where they are precise);
2. add labelled clauses for it to ``kefu/dialogue/corpus/`` (``scripts/clause_corpus.py``);
3. write its handler (``kefu.dialogue.handlers`` for new kinds; its name in ``handler``);
4. put its reply texts in ``kefu/shop/replies.yml`` and list the keys in ``replies``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Literal, Optional, Sequence, Tuple, TypedDict


@dataclass(frozen=True)
class Kind:
    """One question kind (see the module docstring)."""

    name: str
    topic: Optional[str] = None
    patterns: Tuple[str, ...] = ()
    supersedes: Tuple[str, ...] = ()
    # Counts only when nothing more specific matched in the same clause (「有没有优惠券」 is coupons).
    weak: bool = False
    # Greetings, thanks ...: recognised only on a whole short message that asks nothing else.
    small_talk: bool = False
    # Trained Rasa intents that mean this kind when no pattern and no classifier decided.
    intents: Tuple[str, ...] = ()
    # Reply keys (kefu/shop/replies.yml) the handler uses: checked to exist by the tests.
    replies: Tuple[str, ...] = ()
    # False: only the patterns recognise this kind (the classifier over-reads 「多少倍」 as a price).
    learned: bool = True
    # The handler's name: a function of kefu.dialogue.handlers, else the engine's built-in branch.
    handler: str = ""
    # What a bare follow-up (「那L呢」) after this kind asks again: kept in State.last_kind.
    follow_up: Optional[str] = None
    # Clauses the classifier must not read as this kind: circumstances, not questions
    # (「还没付款」 next to 「现在付今天能发吗」 is not a cash-on-delivery question).
    not_when: Tuple[str, ...] = ()

    @property
    def handler_name(self) -> str:
        return self.handler or self.name


PendingKind = Literal["stock", "size_advice", "transit", "logistics", "address_change", "order_change",
                      "return_window", "verify", "new_address", "invoice", "order_cancel", "courier_remark",
                      "freight_insurance", "order_items", "order_freight"]
PENDING_KINDS: Tuple[str, ...] = PendingKind.__args__  # type: ignore[attr-defined]


class Pending(TypedDict, total=False):
    """The question the bot asked last turn and waits to have answered (State.pending)."""

    kind: PendingKind
    colors: List[str]
    sizes: List[str]
    missing: str
    height: Optional[float]
    weight: Optional[float]
    order_id: str
    then: str
    asked: str  # the question that waits for the proof (its first 200 characters)
    awaiting: Optional[str]
    type: Optional[str]
    title: str
    tax: str
    email: str
    reissue: bool


def pending_or_none(value: object) -> Optional[Pending]:
    """A stored pending value, or None when it is not one (an old or damaged slot)."""
    if isinstance(value, dict) and value.get("kind") in PENDING_KINDS:
        return value  # type: ignore[return-value]
    return None


# Kinds, most specific first inside each topic.
KINDS: Sequence[Kind] = (
    Kind(
        'courier_phone', topic='logistics',
        patterns=(
            r'(快递员|快递小哥|快递师傅|派送员|派件员|送货员|骑手|快递)(的)?(电话|手机号?|号码|联系方式)',
        ),
        supersedes=('contact_offplatform', 'courier', 'courier_remark', 'logistics'),
        replies=('logistics.courier_phone',),
        learned=False,
        handler='courier_phone',
    ),
    Kind(
        'invoice_inflate', topic=None,
        patterns=(
            r'(发票|票|金额).{0,8}(多开|开多|开高|开大|虚开|多写|写高|多报)', r'(多开|虚开)(点|一点|些)?(发票|票|金额)?',
            r'发票.{0,6}(开成|写成)(别的|其他|办公用品)',
        ),
        supersedes=('invoice_request', 'invoice_types', 'invoice_apply'),
        replies=('policy.invoice_inflate',),
        learned=False,
    ),
    Kind(
        'authentic', topic=None,
        patterns=(r'(是|保证|包|确定|真的是)(不是)?(正品|真品|原装|官方正品)', r'正品(吗|么|嘛|不|保证|保障)', r'(假货|仿品|高仿)(吗|么|嘛)'),
        supersedes=('product_fact', 'stock'),
        replies=('policy.authentic',),
        learned=False,
    ),
    Kind(
        'late_policy', topic='shipping',
        patterns=(
            r'(超过|超时|过了|晚于|延迟|超出).{0,12}(没发|未发|不发|发货).{0,10}(赔|补偿|怎么说|怎么办|咋办|咋说|怎么算)',
            r'(发货|发)(超时|延迟|晚了).{0,6}(赔|补偿|有.{0,2}说法)', r'延迟发货.{0,4}(赔|补偿|怎么)',
        ),
        supersedes=('ship_when', 'logistics'),
        replies=('shipping.late_policy', 'shipping.late_policy_unknown'),
        learned=False,
        handler='late_policy',
    ),
    Kind(
        'link_offplatform', topic=None,
        patterns=(
            r'(小红书|微博|b站|B站|知乎|百度|贴吧|公众号).{0,8}(链接|测评|笔记|评测|地址)',
            r'(发|给)(个|我|一下)?.{0,6}(别的|其他|外面的?|站外)?.{0,4}链接',
        ),
        replies=('policy.links',),
        learned=False,
    ),
    Kind(
        'contact_offplatform', topic=None,
        patterns=(
            '(加|留|给|发|私|换|要|有|转|打)(个|一下|下|我)?(你|您|你们|客服)?(的)?(微信|威信|薇信|vx|wx|v信|微|企微|qq|QQ|扣扣|手机号|电话|联系方式|私人号)',
            '(微信|vx|wx|v信|qq|扣扣)(号|多少|是多少|联系)',
            '(以后|下次)?直接(找你|联系你|跟你)买',
            '私聊',
            '(电话|手机)(多少|号码)',
            '(客服|你们|店铺|店里|商家)的?(电话|手机号?|座机)',
            '(打|回)(个)?(电话)?(给我|过来)', '(打|回)(个)?电话',
            r'(微信|威信|薇信|vx|wx|v信|qq|扣扣)(号)?\s*[:：是]?\s*[A-Za-z0-9_-]{5,}',
            '(你|您)?加(我(?!们)|一下我)', '(qq|QQ|微信|vx|wx)群',
        ),
    ),
    Kind(
        'review_cashback', topic=None,
        patterns=(
            '好评(返现|返钱|返红包|有红包|送|给钱|有奖励|返)',
            '返现',
            '晒图(返|送|有红包)',
            '(五星|5星|好评).{0,6}(红包|返|奖励|现金)',
            '评价.{0,6}(返|红包|奖励)',
        ),
        supersedes=('coupon', 'bargain'),
    ),
    Kind(
        'cash_on_delivery', topic=None,
        patterns=(
            '货到付款',
            '到付(吗|可以|行)',
            '先(收货|验货)再?付款?',
            '收到(货)?再付',
        ),
        not_when=(r'(还没|没有?|未|刚|已经?|现在|马上|等下|一会儿?|点|半|多)(再)?(付|付款|付钱|支付)(了|的话)?$',),
    ),
    Kind(
        'pay_transfer', topic=None,
        patterns=(
            '转账',
            '(直接|私下)(付|打钱|给钱|交易|转)',
            '打(钱|款)给你',
            '(银行卡|卡号|收款码|二维码)(付|转|给我|发我)?',
            '扫码(付|支付)',
            '(微信|支付宝)(付|支付|转)',
        ),
        supersedes=('contact_offplatform',),
    ),
    Kind(
        'cheaper_elsewhere', topic=None,
        patterns=(
            '(别家|别的店|其他店|别的平台|其他平台|另一个平台|网上|直播间|某宝|某东|某多多|淘宝|天猫|京东|拼多多|抖音|快手).{0,8}(更?便宜|价格低|便宜点|卖得便宜|更低)',
            r'(别家|别的店|其他店|别的平台|其他平台|网上|直播间|主播|某宝|某东|某多多|淘宝|天猫|京东|拼多多|抖音|快手).{0,10}(卖|才|只要|只卖|标)\s*\d+',
            '比(你们|这)?.{0,6}便宜',
        ),
        supersedes=('bargain',),
    ),
    Kind(
        'superlative', topic=None,
        patterns=(
            r'(最好|最安全|最便宜|最划算|最火|最畅销|最热销|最靠谱|最正宗|第一|冠军|No\.?1|top\s*1)的?.{0,6}(吗|么|嘛|吧|哪|是哪|哪个|哪款|是什么)',
            r'(哪|哪个|哪款|什么|啥).{0,6}(最好|最安全|最火|最畅销|最热销|卖得最|第一|冠军)',
            r'卖得?(最好|最多|最火|第一)', r'(推荐|介绍)(个|一下|一款)?最好的', r'全网.{0,4}(最|第一)',
            # 「是不是最正宗最甜的」, 「是最保暖的吧」 (not 「最晚几号」, 「最小的那个」: practical, no claim)
            r'(是不是|是|算不算|算)(全网|你家|你们家|店里|市面上|国内)?最(?!晚|迟|快|早|多|少|小|大|低|高|近|长|短|后|新|便宜)[\u4e00-\u9fff]{1,6}的',
        ),
        supersedes=('product_fact', 'stock', 'price'),
        replies=('policy.superlative',),
        learned=False,
    ),
    Kind(
        'health_claim', topic=None,
        patterns=(
            r'(能|可以|会|帮助|有助于?|是不是|能不能|可不可以).{0,6}(减肥|减脂|瘦身|降(血)?[压糖脂]|治[疗病好愈]?|抗癌|防癌|排毒|壮阳|增高)',
            r'(减肥|减脂|降(血)?[压糖脂]|三高|抗癌|治病|疗效|药效)(吗|么|嘛|的|效果|作用|功效)',
        ),
        supersedes=('product_fact', 'stock'),
        replies=('policy.health',),
        learned=False,
    ),
    Kind(
        'meet_offline', topic=None,
        patterns=(
            '线下(交易|见面|买|付)',
            '(见面|当面)(交易|付|买|拿)',
            '(有|去)(实体店|门店)',
            '自提',
        ),
    ),
    Kind(
        'restock', topic='stock',
        patterns=(
            '(什么时候|啥时候|几时|多久|哪天|几号)(能|会|才)?(补货|到货|有货|上货|补|来货|有)',
            '补货',
            '(还会|会不会)(补|有)',
            '到货(时间|吗)?$',
            '(什么时候|啥时候)到货',
        ),
        supersedes=('stock',),
    ),
    Kind(
        'restock_notify', topic='stock',
        patterns=(
            '到货(了|后)?(通知|提醒|告诉)(我|一下)',
            '(有货|补货|到了)(了)?(通知|告诉|提醒)(我|一下)',
            '到货提醒',
        ),
        supersedes=('stock', 'restock'),
        # the classifier's 「告诉我一下」 is no restock notice without a word of stock or notice
        not_when=(r'^(?!.*(货|到了|通知|提醒|上架|补)).*$',),
    ),
    Kind(
        'stock', topic='stock',
        patterns=(
            '有货',
            '有没有货',
            '有现货',
            '现货',
            '库存',
            '缺货',
            '没货',
            '断货',
            '卖完',
            '售罄',
            '还?有吗',
            '有没有',
            '(还|能)?(剩|有)(几|多少)(件|个|双|条)',
            '[0-9两三四五六七八九十几]\\s*(件|个|箱|盒|袋|套|条|双|份|瓶|支).{0,12}(够不够|够吗|够不)(?![暖大长厚用])',
            '^(那)?(够不够|够吗|够不)$', '有(这么|那么)多(吗|不)',
            '有的吗',
            '还有没',
            '能买吗',
            '能拍吗',
            '有木有',
            '(有|在)卖吗',
            '卖不卖',
            '^(那|这)?[^，。？]{0,10}(呢|嘞|咧)[?？]?$',
        ),
        weak=True,
        intents=('ask_stock',),
    ),
    Kind(
        'size_advice', topic='size',
        patterns=(
            '(穿|选|拿|买|要|拍)(多大|什么|啥|哪个|哪一?个|几)(的|号)?(码|号|尺码|size)(?!发|到|能|可以|前|之前|寄|出)',
            '穿多大',
            '穿哪(个|一个|种)?$',
            '穿(什么|啥)(合适|好)',
            '多大(的)?码',
            '什么码',
            '啥码',
            '哪个码',
            '码数',
            '尺码(怎么选|建议|推荐|合适|参考|表)',
            '偏大还是偏小|偏小还是偏大',
            '(尺码|码)(偏大|偏小|正)',
            '合适吗',
            '(穿|选).{0,4}还是',
            '(偏大|偏小|标准|正码)(吗|不|么|嘛)',
            '尺码(准|标准)吗',
            '(能|可以)穿吗',
            '穿得下',
            '(身高|体重|脚长).{0,8}(穿|选|码)',
            '推荐.{0,3}码',
            '几码',
        ),
        intents=('ask_size',),
    ),
    Kind(
        'ship_weekend', topic='shipping',
        patterns=(
            '(周六|周日|周天|周末|星期六|星期日|星期天|礼拜六|礼拜天|礼拜日|节假日|放假)(也|能|会|可以)?(发|发货|发吗|上班)',
            '(周六|周日|周天|周末|星期六|星期日|星期天|礼拜六|礼拜天).{0,4}发',
        ),
        supersedes=('ship_when',),
    ),
    Kind(
        'courier', topic='shipping',
        patterns=(
            '(发|走|用|换|改|指定|能发|可以发)(什么|啥|哪个|哪家)?(快递|物流)',
            '(顺丰|中通|圆通|韵达|申通|邮政|ems|EMS|极兔|德邦|京东快递|百世)',
            '快递(是|用)(哪|什么|啥)',
            '补(差价|运费|邮费)',
            '(什么|啥|哪个|哪家)快递',
        ),
        supersedes=('ship_when', 'price'),
    ),
    Kind(
        'free_shipping', topic='shipping',
        patterns=(
            '包邮',
            '(运费|邮费)(多少|几块|怎么算|要钱|贵)',
            '免(运费|邮)',
            '(要|收)(运费|邮费)',
            '运费(吗|呢)$',
        ),
    ),
    Kind(
        'presale', topic='shipping',
        patterns=(
            '预售',
            '定金',
            '尾款',
            '现货还是',
            # 「这个是现货吗」 (not 「有现货吗」, a stock question)
            r'(?<![有没])(是不是|是)?现货(吗|么|嘛|不|没|呢|\?|？)',
        ),
    ),
    Kind(
        'transit', topic='shipping',
        patterns=(
            '(几天|多久|多长时间|多少天|啥时候|什么时候)(能|可以|才能|就能)?(到|收到|送到|到手)(?!货)',
            '(到|送到|寄到|发到).{0,8}(几天|多久|要多久)',
            '(几天|多久)能?到',
            '^(要)?(几天|多久)(能到|到|呢)?$',
            '(能|可以)(到|送)吗',
            '哪天(能|可以|才能)?(到|收到)',
            '(几号|哪天)到',
            r'(发|寄|送)(到)?[\u4e00-\u9fff]{2,8}(要|需要)?(几天|多久)',
        ),
        supersedes=('ship_when', 'stock'),
    ),
    Kind(
        'ship_when', topic='shipping',
        patterns=(
            '(什么时候|啥时候|几时|多久|多快|当天|今天|明天|马上|几点前?)(能|可以|会|就)?(发货|发出|发走|发)',
            '发货(时间|吗|快|慢|么|嘛)',
            '(今天|今天能|当天能?)发',
            '(几号|哪天|哪一天|星期几|周几)(能|可以|会|就|才)?(发|发货|发出|寄出)',
            '多久(能)?发',
            r'\d+\s*(个)?小时(内|之内|以内)?(能|可以|会)?发',
            '(能|可以)?(当天|今天|马上)发',
            '(几点|几点前)(下单|付款|拍)',
            '发货.{0,4}(多久|几天)',
            # 「今天下午四点拍还能今天发吗」, 「周五下午四点拍呢」: a named moment of payment
            r'(点|[:：]\d\d)半?(前|之前)?.{0,2}(拍|下单|付款|付钱)(的话)?(呢|吗|还能|能|可以|会|什么时候|啥时候|几号|哪天|当天)',
            r'(点|[:：]\d\d)半?(前|之前)?.{0,2}(拍|下单|付款|付钱).{0,6}发',
            # 「晚上八点下单的话」, 「那晚上8点拍的呢」: the moment alone, the question is the dispatch day
            r'(点|[:：]\d\d)半?多?(前|之前|以后|之后)?.{0,2}(拍|下单|付款|付钱)(的话|的)?(呢|吗|嘞)?$',
            r'截单', r'几点(前)?(停止|截止)(发货|下单)',
        ),
        intents=('ask_shipping_time',),
    ),
    Kind(
        'logistics', topic='logistics',
        patterns=(
            '物流',
            '快递(到哪|在哪|什么情况|怎么还没|还没)',
            '到哪(了|里了)',
            '(查|看)(一下|下)?(快递|物流|订单|包裹)',
            # 「尾号7294的订单帮我查下」, 「查一下我手机下的所有订单」: an order asked about, its number still to come
            r'(查|查询|看看|看下)(一下|下)?.{0,12}订单', r'订单.{0,4}(帮我|帮忙|麻烦)?(查|看)(一下|下)?',
            '(怎么|咋)还没(到|收到|发货|发)',
            '(为啥|为什么|咋|怎么)?(还|到现在|到今天|都)(还)?没(有)?发(货|出)?(?!票)',
            '我?(付款|付钱|支付)(了|成功)(没|吗|么|没有)',
            '(为啥|为什么|怎么|咋)(被)?(给我)?取消了',
            '(催|催一下|催催)',
            '单号',
            '运单',
            '(发货了|发了)(吗|没|么|嘛)',
            '还没(收到|到)',
            '包裹',
            '(寄出|发出)了?(吗|没)',
        ),
        supersedes=('stock',),
        intents=('ask_logistics',),
    ),
    Kind(
        'address_change', topic='order',
        patterns=(
            '(改|修改|换|更改|变更)(一下|下)?(收货)?地址',
            '地址(写|填|选)错',
            '地址(改|换|修改)',
            r'(改|换)(成|到)[\u4e00-\u9fff]{2,}(地址|收货)',
            r'(地址)?(改到|改成|换到|改寄到?|改发到?)[\u4e00-\u9fff]{2,}(省|市|区|县|路|街|号|镇)',
            '收货(人|地址|电话)(改|错|换)',
        ),
        supersedes=('logistics',),
        intents=('change_address',),
    ),
    Kind(
        'order_change', topic='order',
        patterns=(
            '(改|修改|换|更改)(一下|下)?(尺码|颜色|规格|码数|型号|数量)',
            '(拍|买|选)错(了)?(尺码|颜色|码|规格)',
            '(码|尺码|[\u4e00-\u9fff]码|颜色|规格|型号|码数|号)(拍|买|选|下|点)错', '(改|换)成.{0,3}(码|号|色)(的)?$',
            r'(改|换)成\s?([0-9]{2,3}|[SMLX]{1,3}|[2-4]XL)',
        ),
        supersedes=('exchange', 'return_window'),
    ),
    Kind(
        'freight_insurance', topic='returns',
        patterns=(
            '运费险',
            '退货险',
        ),
        supersedes=('return_window', 'free_shipping'),
    ),
    Kind(
        'return_who_pays', topic='returns',
        patterns=(
            '(运费|邮费|快递费)(谁|是谁|由谁|谁来)(出|付|承担)',
            '谁(出|付|承担)(运费|邮费)',
            '(运费|邮费)(要|需要)?我(出|付|承担)',
            '退.{0,6}(运费|邮费)',
            '(包|报销)(运费|邮费)',
            '退(货|换)?(要|需要|得)(钱|花钱|收费|付钱|掏钱)',
        ),
        supersedes=('return_window', 'exchange'),
    ),
    Kind(
        'refund_time', topic='returns',
        patterns=(
            '(退款|钱|退的钱|款).{0,4}(多久|几天|什么时候|啥时候|多长时间)',
            '多久(到账|退款|退钱)', '原路(退回|返回|退)', '退(到|回)(哪|哪里|哪儿)',
            '(钱|款|退款)(退|到账|到)了(吗|没|么|没有)', '(钱|款)(退回|退)(来|回来)?了?(吗|没)',
            '(什么时候|啥时候)(退款|退钱|到账)',
            '(几天|多久|多长时间|多少天)(能|可以|才能|会|才|就)?(退款|退钱|到账|收到退款|把钱退)',
        ),
        supersedes=('return_window', 'transit'),
    ),
    Kind(
        'return_condition', topic='returns',
        patterns=(
            '吊牌',
            '(标签|吊牌|水洗标|标)(扯|剪|撕|拆|弄)(掉|了|坏)', '(扯|剪|撕|拆)(掉|了)?(标签|水洗标)',
            '(洗|穿|下水|试穿|拆|剪)(过|了)',
            '包装(坏|没了|扔了|拆了)',
        ),
        supersedes=('return_window',),
    ),
    Kind(
        'exchange', topic='returns',
        patterns=(
            '换(货|码|大|小|一个|个|尺码|颜色|一下|一码|号)',
            '(能|可以)换(吗|不)',
            '怎么换',
            '调换',
        ),
        supersedes=('return_window',),
    ),
    Kind(
        'return_how', topic='returns',
        patterns=(
            '怎么(申请|退|弄|操作|寄回)',
            '如何(申请|退货|退)',
            '退货(流程|地址)',
            '在哪(里)?申请',
        ),
        supersedes=('return_window',),
    ),
    Kind(
        'return_window', topic='returns',
        patterns=(
            '(收到|拿到)(货)?(了)?.{0,4}不(太)?(喜欢|合适)',
            '退(货|换|掉|了)?',
            '无理由',
            '不(合适|喜欢|想要|要了)(能|可以|怎么)',
            '(能|可以|怎么|如何)退',
            '售后',
            '(最晚|最迟)(哪天|几号|哪一天|什么时候|啥时候|到哪天|到几号).{0,3}(申请|退|换|售后)',
            '(申请|退|换|售后).{0,4}(最晚|最迟|截止)(到)?(哪天|几号|哪一天|什么时候|啥时候)',
        ),
        weak=True,
        intents=('ask_return_policy',),
    ),
    Kind(
        'invoice_apply', topic='invoice',
        patterns=(
            '(帮我|给我|我要|我想|需要|麻烦|帮忙)(开|要)(个|张|一张|一下)?.{0,4}(发票|票)',
            '^开(个|张|一张)?.{0,4}(发票|票)$',
        ),
        supersedes=('invoice_request', 'invoice_types', 'invoice_paper'),
    ),
    Kind(
        'invoice_wrong_title', topic='invoice',
        patterns=(
            '(抬头|发票|税号)(开|写|填)?错',
            '重(新)?开(发票|票)',
            '(改|换)(一下)?(抬头|发票)',
            '开错',
        ),
        supersedes=('invoice_request', 'invoice_types', 'invoice_apply'),
    ),
    Kind(
        'invoice_when', topic='invoice',
        patterns=(
            '^(什么时候|啥时候|多久|几天)(能|可以)?开$',
            '开(发)?票.{0,4}(多久|几天|什么时候|啥时候)',
            '发票.{0,6}(什么时候|啥时候|多久|几天|时间)',
            '(什么时候|啥时候|多久)(能)?开(发票|票)',
            '开票时间',
            '发票(还没|没收到)',
        ),
        supersedes=('invoice_request',),
    ),
    Kind(
        'invoice_company', topic='invoice',
        patterns=(r'抬头.{0,6}(公司|单位|企业)', r'(公司|单位|企业)的?抬头', r'开(成|给|到)?(公司|单位|企业)(的|名)'),
        supersedes=('invoice_request', 'invoice_types', 'invoice_paper', 'invoice_apply'),
        replies=('invoice.company_title',),
        learned=False,
    ),
    Kind(
        'invoice_paper', topic='invoice',
        patterns=(
            '纸质',
            '(电子|纸)(发票|票|版)',
            '发票.{0,3}(电子|纸质|纸)',
            '(电子|纸质)的(吗|嘛|么)',
            '发票.{0,4}(寄|邮寄|快递)',
            '发票.{0,4}(怎么给|怎么发|发到)',
            '(专票|普票|发票)(怎么|如何)(给|发|寄|开给|收)',
        ),
        supersedes=('invoice_request', 'invoice_types'),
    ),
    Kind(
        'invoice_types', topic='invoice',
        patterns=(
            '(开|有)(什么|哪种|哪些|哪几种)(发票|票)',
            '(能|可以)(开|提供|给)(个|张)?(发票|票)(吗|不|么|嘛|没)',
            '(有|开)(发票|票)(吗|不|么|嘛)',
            '(能|可以)开(专票|专用发票|增值税)',
            '专票',
            '普票',
        ),
        supersedes=('invoice_request',),
    ),
    Kind(
        'invoice_request', topic='invoice',
        patterns=(
            '(开|要|需要|给我开|帮我开)(个|张|一张|一下)?(发票|票)',
            '发票',
            '开票',
            '抬头',
            '税号',
        ),
        weak=True,
        intents=('ask_invoice',),
    ),
    Kind(
        'coupon', topic='money',
        patterns=(
            '优惠券',
            '(有|领|用)(什么)?券',
            '券',
            '(有|什么|啥|有没有|有啥)(活动|优惠|满减|折扣)',
            '满减',
            '红包',
            '满多少(钱)?(能用|可用|才能用|可以用|能减|减多少)',
            # 「满199的那个到啥时候」: a coupon named by its threshold (not 满99包邮, the free-shipping line)
            r'^(?!.*(包邮|运费|邮费))(那个|那张)?满\s*[0-9]{2,5}(元|块)?(减\s*[0-9]+)?的?(那个|那张|券)?.{0,3}(到|截止|过期|有效|怎么领|在哪领|能用|可以用)',
            # 「活动到哪天结束」 (a gift's end, 「送袜子的活动到哪天」, is the product's: left to its facts)
            '^(?!.*(送|赠))(.*)(活动.{0,4}(到|截止|什么时候|啥时候|哪天|几号)(结束|截止|为止)?|(活动|优惠|满减)(持续)?到(哪天|几号|什么时候))',
        ),
        supersedes=('bargain', 'product_fact'),
    ),
    Kind(
        'bargain', topic='money',
        patterns=(
            '便宜(点|些|一点|一些|点儿)?',
            '(砍|讲|议)价',
            '少(点|一点|些|收)',
            '(打|给个?)折',
            '(优惠|便宜)(点|些|一点)',
            '抹(零|个零)',
            '(最低|底)价',
            '(能|可以)?再?(优惠|便宜)',
            '送(点|个)(东西|赠品|小礼物)',
        ),
        intents=('bargain',),
        # 「我没点」 is no haggling: the classifier's reading needs a word of price or discount
        not_when=(r'^(?!.*(便宜|优惠|砍|价|少|折|减|抹|零头|送|包邮|钱|元|块|贵|实惠|划算)).*$',),
    ),
    # -- the product itself: answered from the shop's product facts (kefu.dialogue.facts) ------------
    Kind(
        'product_fact', topic='product',
        patterns=(
            r'(面料|材质|材料|成分|质地|布料|料子|填充物|内胆|里料|配料|原料)',
            r'(送|赠|赠品|赠送)的?(活动)?(到|至|截止到?)(什么时候|啥时候|哪天|几号)', r'(赠品|送的|赠送)(活动)?(什么时候|啥时候|哪天|几号)(结束|截止|为止)',
            r'(纯棉|全棉|涤纶|羊毛|羊绒|真丝|桑蚕丝|聚酯纤维|莫代尔|亚麻|天丝|牛皮|真皮|头层皮)(吗|不|么|嘛|的吗|的不|含量|多少|占)',
            r'含(绒|棉|毛|羊毛|羊绒)量', r'(鸭绒|鹅绒|充绒量|蓬松度)', r'(羊毛|羊绒|棉|绒)(含量|占比|成分)',
            r'(会|会不会|容易|怕不怕|易)(缩水|起球|掉色|褪色|变形|掉毛|跑毛|起皱|磨脚|硌脚|勒|闷脚|闷|扎|过敏|漏)',
            r'(缩水|起球|掉色|褪色|变形|掉毛|跑毛|起皱|磨脚|硌脚|扎人|闷脚)(吗|不|么|嘛|没|严重吗)',
            r'(防滑|防水|防风|透气|保暖|吸汗|速干|耐磨|抗菌|抗皱)(吗|不|么|嘛|性|效果|怎么样|好吗|好不好|咋样)',
            r'(厚|薄|软|硬|重|沉|透|紧|勒|宽松|修身|显瘦|弹)(不(厚|薄|软|硬|重|沉|透|紧|勒|弹)|吗|么|嘛)',
            r'(有弹力|弹力|弹性|厚度|薄厚|手感|版型)(怎么样|如何|大吗|好吗|咋样|吗|么)',
            r'(产地|原产|哪里(产|生产|制造|做)的?|哪(产|生产|做)的|(是)?(国产|进口)(的)?(吗|么|嘛|还是))',
            r'(怎么洗|(能|可以)(机洗|水洗|干洗|手洗)|能不能(洗|机洗|水洗)|洗涤|怎么保养|保养方法|需要干洗)',
            r'(有|送|带|赠)(什么|啥)?(赠品|礼品|小礼物|礼盒)', r'赠品', r'(下单|买|拍)(就)?送(什么|啥|袜子|礼品|赠品|小样)',
            r'(直播间|主播|详情页|宣传|广告)(里)?(说|讲|写|承诺)',
            r'(寄|发|送|邮|到|运)(到)?(国外|海外|境外|日本|韩国|美国|英国|加拿大|澳洲|澳大利亚|新加坡|马来西亚|德国|法国)',
            r'(国外|海外|境外)(能|可以)?(寄|发|送|买|邮)?',
            r'质量(怎么样|好吗|好不好|咋样|如何|可以吗|行吗|靠谱吗)', r'(是)?正品(吗|么|嘛)', r'(保质期|生产日期|有效期|保修|质保)(多久|多长|几年|吗|是)?',
            r'(敏感肌|孕妇|油皮|干皮|混油|宝宝|婴儿|儿童|小孩)(能|可以)(用|穿|吃)', r'(适合|适用)(什么|哪些|敏感|油|干|多大)',
            r'(续航|待机|充满|毫安|兼容|蓝牙|功率)', r'(多大的床|几米的床|几米床|被芯|几斤重|多重)',
            r'(甜不甜|辣不辣|咸不咸|热量|含糖|添加剂|防腐剂|酒精|香精)', r'(味道|气味|香味|是(啥|什么)颜色|什么色)',
            r'(买|下单|拍).{0,6}送(东西|什么|啥)',
            # what any product may be asked to prove or cost to run: the shop's facts say, or honesty and a task
            r'(认证|(?<![0-9A-Za-z])3[cC](?![0-9A-Za-z])|证书|检测报告|质检报告|检验报告|农残|农药|备案号?|资质|官方授权|品牌授权|合格证)',
            r'(几度电|耗电|费电|省电|电费|瓦数|多少瓦|电压|插头)',
            r'(厂家|厂商|品牌方)的?(电话|联系方式)',
        ),
        supersedes=('transit', 'stock', 'ship_when', 'free_shipping', 'courier', 'return_condition', 'size_advice'),
        replies=('facts.unknown',),
        handler='product_fact',
    ),
    Kind(
        'price', topic='money',
        patterns=(r'(?<![加补费])(多少钱|什么价|啥价|价格(?!单|签|标签)|几块钱|卖多少|咋卖|怎么卖)',),
        supersedes=('stock',),
        replies=('price.one', 'price.sku'),
        learned=False,
        handler='price',
    ),
    # -- orders as a buyer sees them (kefu.dialogue.handlers) -----------------------------------------
    Kind(
        'order_cancel', topic='order',
        patterns=(
            r'(?<!怎么)(?<!为啥)(?<!为什么)(?<!咋)(?<!被)取消(订单|这单|这个单|一下|掉|了吧|吧|吗|可以吗)?(?!了)', r'(撤|删)(单|订单)', r'不要了.{0,6}(取消|退款|退)',
            r'(还没|没|未)发(货)?.{0,8}(退款|取消|退)', r'(发货前|发货之前).{0,6}(退|取消)',
            r'^(能|可以)?(直接|帮我)?(申请)?退款(吗|不|么|嘛)?$', r'申请退款', r'(退|取消)(了|掉)?(这单|订单|这个订单)',
            r'(拍|买|下单)(错|多|重复)了?.{0,6}(退|取消)',
        ),
        supersedes=('return_window', 'logistics'),
        replies=('order.cancel_recorded', 'order.cancel_shipped', 'order.cancel_unpaid'),
        handler='order_cancel',
        # A cancellation is registered for a person to act on: never from a clause with no word of cancelling
        # (the classifier read 「为啥还没发」 as one).
        not_when=(r'^(?!.*(取消|退|不要|不想要|不买|撤|删|算了|别发)).*$', r'(怎么|为啥|为什么|咋|谁)(被)?(给我)?取消', r'(订单|已经|都|被)取消了'),
    ),
    Kind(
        'courier_remark', topic='order',
        patterns=(
            r'(放|送到|放在|放到|寄到|存|送)(在|到)?(驿站|快递柜|丰巢|菜鸟|门口|门卫|物业|前台|传达室|代收点|快递点)',
            r'(别|不要|不用|勿|不许|不需要)(给我)?(打电话|打我电话|电话联系|敲门|送上门|上门|按门铃)',
            r'(备注|留言|跟快递说|告诉快递|和快递说)', r'(周末|晚上|下午|上午|工作日)(再)?(送|派送|派件)',
        ),
        supersedes=('logistics', 'courier', 'contact_offplatform', 'stock'),
        replies=('order.remark_recorded', 'order.remark_shipped'),
        handler='courier_remark',
    ),
    Kind(
        'receiver_info', topic='order',
        patterns=(
            r'收(件|货)人.{0,6}(电话|手机|号码|是谁|叫|名字|姓名|地址|是哪)',
            r'收货(地址|电话|手机).{0,8}(多少|是什么|是啥|啥|哪|发我|告诉|给我|看|查|完整)',
            r'(手机号?|电话|号码).{0,4}(完整|全部)', r'(完整|全部)的?(手机号?|电话|号码|地址)',
            # 「收件手机号帮我念一下」, 「手机尾号多少来着」, 「手机号给我看下是不是填错了」
            r'收(件|货)(人)?(的)?(手机号?|电话|号码).{0,8}(念|读|说|报|发|看|告诉|多少|是多少|给我|查)',
            r'(这单|订单|收件人|收货人)?的?(手机|电话)(尾号|后四位).{0,4}(多少|是多少|是啥|啥|来着|告诉我|给我)',
            r'(手机号?|电话)(给我|帮我|发我).{0,4}(看|念|读|查|说)',
            r'(这|那)?(是)?谁的(件|快递|包裹|单)',
            r'(她|他)的?(手机号?|电话|号码|地址)', r'(查|看).{0,4}(她|他)的?(手机|电话|订单|快递)',
            r'(手机号?|电话|号码)\s*1[3-9]\d{9}.{0,6}(订单|的单|快递)',
            r'1[3-9]\d{9}.{0,6}(这个|那个)?(号|手机号?)?的?(订单|单子|快递)', r'(手机号?|电话)下的单',
            r'我?留的(手机号?|电话|号码|地址)', r'(按|用|通过)(名字|姓名|手机号?|电话)(查|找|搜)',
            r'(查|看)(一下|查|下)?(?![^的]{0,6}(我|自己|这|那|你))[\u4e00-\u9fff]{2,4}的(订单|快递|包裹)', r'别人的(订单|订单号|快递|单号|地址|手机号?)',
        ),
        supersedes=('logistics', 'contact_offplatform', 'stock', 'courier', 'transit', 'restock'),
        replies=('order.receiver', 'order.receiver_privacy'),
        learned=False,
        handler='receiver_info',
    ),
    Kind(
        'order_items', topic='order',
        patterns=(
            # 「我买了哪些」, 「拍的是哪个」: past (了/的); 「三口人买哪个容量合适」 is a purchase still to make
            r'(?<!现在)(?<!今天)(?<!要)(买|拍|下单|订|购买)(了的?|的)(是)?(哪些|什么|啥|几[件样箱盒袋包个瓶套双份条支罐]|哪几样|哪几件|哪个)(?!时候|时间|比较|好|合适|划算)(东西|商品|颜色|码|尺码|规格|款)?',
            r'(这单|订单|单子|这个单)里?(面)?(有|是|包括)(哪些|什么|啥|几件)',
            r'(订单|这单)(内容|明细|商品)', r'买的(什么|啥)来着',
            r'(一共|总共|总计|实际)(付|花|给|支付)了?(多少|几)(钱)?', r'实付(多少|金额)',
            r'(一起|一块儿?|同时)(发|寄|发货|发出|到)的?(吗|嘛|么|不|没|呢)', r'(分开|分别|分两次|拆开|拆单)(发|寄|发货|发出)',
            r'(一个|同一个|一起的?)(包裹|快递|箱子?)(吗|嘛|么|里|寄|发)',
        ),
        supersedes=('logistics', 'stock', 'transit'),
        replies=('order.items', 'order.together_shipped', 'order.together_unshipped', 'order.single_item'),
        learned=False,
        handler='order_items',
    ),
    Kind(
        'order_restore', topic='order',
        patterns=(r'(订单|单子|这单)?(能|可以|还能|能不能)?恢复(吗|嘛|么|一下|不|订单)', r'撤销取消', r'取消的(订单|单)?(能|可以)?(找回|恢复)'),
        supersedes=('stock',),
        replies=('order.restore',),
        learned=False,
    ),
    Kind(
        'order_freight', topic='order',
        patterns=(
            r'多(收|扣|付|算)了?(我)?.{0,3}([0-9]+|几|十几)\s*(块|元)',
            r'(为啥|为什么|怎么|咋)(我的?)?(比别人|比人家)(贵|多|付得多|多付)',
            r'(运费|邮费)(收|扣|付|要|算)了?(我)?\s*([0-9]+)',
            r'(收|扣|付)了?(我)?\s*([0-9]+)\s*(块|元)(钱)?的?(运费|邮费)',
            r'(为什么|为啥|怎么|咋)(还)?(要|收|加|多收|多付|付|有)了?(我)?(运费|邮费)',
            r'(运费|邮费)(是)?(怎么|咋)(算|收)的',
            r'(运费|邮费)(为什么|为啥|怎么|咋)(多|要|还|会|收)', r'多(收|扣|付|算)了?(我)?\s*([0-9]+)\s*(块|元)?(钱)?$',
        ),
        supersedes=('free_shipping', 'return_who_pays', 'bargain'),
        replies=('order.freight_remote', 'order.freight_courier', 'order.freight_check', 'order.freight_your_place'),
        learned=False,
        handler='order_freight',
    ),
    Kind(
        'ship_from', topic='shipping',
        patterns=(
            r'(从|在)(哪|哪里|哪儿|什么地方|哪个城市|哪个省)(发|发货|寄|出货|发出)',
            r'哪(里|儿)?发(货|的货|过来)',
            r'发货地', r'(仓库|发货仓)(在|是)(哪|什么地方)',
        ),
        supersedes=('logistics', 'ship_when', 'stock'),
        replies=('shipping.ship_from',),
        handler='ship_from',
    ),
    Kind(
        'service_hours', topic=None,
        patterns=(
            r'(客服|人工|你们|店里|店铺).{0,4}(几点|什么时候|啥时候|多会儿?)(上班|下班|在|有人|开始|结束|休息)',
            r'几点(上班|下班|有人|有客服)', r'(工作|上班|在线|营业|服务|客服)时间',
            r'(晚上|夜里|半夜|早上|周末|节假日).{0,4}(有人|有客服|有人工|能找人工|找得到人|在吗|在不在)',
        ),
        supersedes=('human',),
        not_when=(r'(点|[:：]\d\d).{0,3}(拍|下单|付款|付钱)', '截单'),
        replies=('talk.service_hours',),
        handler='service_hours',
    ),
    Kind(
        'human', topic=None,
        patterns=(
            '(转|找|要|叫)(人工|真人|客服|活人|主管|经理|店长)',
            '(叫|找|让|要)(你们|你家)?的?(老板|店长|负责人|领导|主管|经理)(出来|来|过来|说话|跟我说|和我说)?',
            '人工(客服|服务)?$',
            '(是|你是)(机器人|机器|自动回复)',
        ),
        intents=('request_human',),
    ),
    Kind(
        'thank', topic=None,
        patterns=(
            '(谢谢|感谢|多谢|thx|thanks|thank you|谢啦|谢了|辛苦了|辛苦啦)',
        ),
        small_talk=True,
        intents=('thank',),
    ),
    Kind(
        'goodbye', topic=None,
        patterns=(
            '^(再见|拜拜|bye|88|没事了|没有了|没问题了|就这些|好的没事)',
            '(再见|拜拜)',
        ),
        small_talk=True,
        intents=('goodbye',),
    ),
    Kind(
        'greet', topic=None,
        patterns=(
            '^(你好|您好|在吗|在不在|还在吗|在么|在不|在嘛|在没|hi|hello|哈喽|嗨|亲|有人吗|有人在吗|有人没|老板|掌柜|客服|店家)[?？!！~～。]*$',
        ),
        small_talk=True,
        intents=('greet',),
    ),
    Kind(
        'ok', topic=None,
        patterns=(
            '^(好的?|好吧|嗯+|哦+|噢+|ok|okay|行|可以|收到|知道了|明白了?|了解了?|懂了|好滴|嗯嗯好的?)$',
            '^(那)?(就|我)?(拍了|下单了|买了|先这样|去拍了|去下单)$',
        ),
        small_talk=True,
    ),
)

BY_NAME: Dict[str, Kind] = {kind.name: kind for kind in KINDS}
SMALL_TALK: Tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.small_talk)
WEAK: Tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.weak)
TOPIC: Dict[str, str] = {kind.name: kind.topic for kind in KINDS if kind.topic}
SUPERSEDES: Dict[str, Tuple[str, ...]] = {kind.name: kind.supersedes for kind in KINDS if kind.supersedes}
NOT_WHEN: Dict[str, Tuple[str, ...]] = {kind.name: kind.not_when for kind in KINDS if kind.not_when}
NOT_LEARNED: Tuple[str, ...] = tuple(kind.name for kind in KINDS if not kind.learned)
INTENT_KIND: Dict[str, str] = {intent: kind.name for kind in KINDS for intent in kind.intents}


def kind(name: str) -> Optional[Kind]:
    return BY_NAME.get(name)


def names() -> List[str]:
    return [k.name for k in KINDS]
