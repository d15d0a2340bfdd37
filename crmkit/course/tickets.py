"""Complaint tickets for the complaint-handling task; each student gets their own few.

Only the texts live here. Which handling step each ticket shows is the answer, and it is kept in
the assignment's hidden tests, not in anything a student can import. The pool's keys (``t01`` …)
are in no particular order, students never see them, and the id a student sees (``T-4821``) is
drawn at random for that student, so neither says anything about the answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..datasets.seeding import normalise_student_id

# key -> (中文, English), from three cases (car detailing, futures broker, online shop).
TICKETS: dict[str, tuple[str, str]] = {
    "t01": (
        "换装音响半个月后，车主来洗车，店长特意过去问音响用得怎么样，杂音还有没有。",
        "Two weeks after the sound system was replaced, the owner comes in for a wash, and the "
        "manager goes over to ask how the system is working and whether the noise has gone.",
    ),
    "t02": (
        "确认是仓库发错了颜色后，客服提出免费换货、运费由店铺承担，并附一张 20 元优惠券表示歉意。",
        "Having confirmed that the warehouse sent the wrong colour, the agent offers a free "
        "exchange with postage paid by the shop, plus a 20-yuan coupon as an apology.",
    ),
    "t03": (
        "查明是行情软件升级后密码失效，客服当场帮客户重置密码，并答应把这次升级的说明发到他的邮箱。",
        "Having found that the password stopped working after a software upgrade, the agent "
        "resets it on the spot and promises to email the client a note on the upgrade.",
    ),
    "t04": (
        "客户在营业部柜台说上月的手续费比他自己算的多。客服拿出结算单，逐笔问他对哪一笔有疑问、那天下的是什么单。",
        "At the branch counter, a client says last month's commission is more than he worked "
        "out. The agent takes out the statement and asks, line by line, which charge he "
        "questions and what orders he placed that day.",
    ),
    "t05": (
        "车主到店投诉洗车后座椅上有水渍。店长请她到休息室坐下，让她从头讲一遍经过，自己一边听一边记，几乎没有插话。",
        "An owner comes in to complain that the seats were left wet after a wash. The manager "
        "sits her down in the lounge, asks her to tell what happened from the start, and "
        "listens and takes notes, hardly interrupting.",
    ),
    "t06": (
        "客服提出换货，顾客不接受，说已经错过了送礼的日子。客服问：“您看怎样处理您会满意？”",
        "The agent offers an exchange, but the shopper refuses: the gift date has already "
        "passed. The agent asks: 'What would make this right for you?'",
    ),
    "t07": (
        "客服提出退回多收的手续费，客户仍觉得耽误了交易时机。客服问他希望公司怎样解决。",
        "The agent offers to refund the overcharged commission, but the client still feels he "
        "missed a trading chance. The agent asks what he would like the firm to do.",
    ),
    "t08": (
        "店里提出退一半的抛光费，车主摇头说这不是钱的问题。客服没有再加码，而是请她说说希望店里怎么解决。",
        "The shop offers to refund half the polishing fee; the owner shakes her head and says "
        "it is not about the money. Instead of raising the offer, the agent asks how she would "
        "like the shop to settle it.",
    ),
    "t09": (
        "顾客说收到的衣服尺码不对。客服问她下单时选的尺码、平时穿的尺码和吊牌上写的尺码。",
        "A shopper says the clothes she received are the wrong size. The agent asks which size "
        "she ordered, which size she usually wears and what the label says.",
    ),
    "t10": (
        "公司提出下月手续费打九折作为补偿，客户说他要的不是折扣。客服请他直接说出自己觉得合理的处理办法。",
        "The firm offers 10% off next month's commission as compensation; the client says a "
        "discount is not what he wants. The agent asks him to say plainly what settlement he "
        "would find fair.",
    ),
    "t11": (
        "退款到账一周后，客服留言问顾客钱是否收到，并告诉她下周上新的时间。",
        "A week after the refund, the agent leaves a message asking whether the money arrived "
        "and mentions when next week's new arrivals go online.",
    ),
    "t12": (
        "顾客在聊天窗口连发三条消息抱怨快递太慢。客服先确认她的订单号，再问她哪天下的单、物流信息最后停在哪里、这件衣服是不是急用。",
        "A shopper sends three chat messages in a row complaining that delivery is slow. The "
        "agent first confirms her order number, then asks when she ordered, where the tracking "
        "last stopped, and whether she needs the item urgently.",
    ),
    "t13": (
        "交易软件故障修好后的下一周，客服打电话问客户这几天下单是否顺利，还有没有别的需要。",
        "The week after the trading-software fault was fixed, the agent calls to ask whether "
        "the client's orders have gone through smoothly since and whether he needs anything "
        "else.",
    ),
    "t14": (
        "客户来电说交易软件下单失败。客服请他讲清当时的操作步骤和屏幕上的提示，并核对他的资金账号。",
        "A client calls: his orders failed in the trading software. The agent asks him to "
        "describe each step he took and the message on screen, and checks his account number.",
    ),
    "t15": (
        "查明快递在中转站压了件，客服提出今天改用快件重新发一件，原来那件到了以后寄回即可，来回运费由店铺承担。",
        "Having found the parcel stuck at a sorting hub, the agent offers to send a new one by "
        "express today; the first one can be sent back when it arrives, with postage both ways "
        "paid by the shop.",
    ),
    "t16": (
        "核实是结算单多算了手续费后，客服说明今天收盘后退回多收的部分，并重新发送一份正确的结算单。",
        "Having confirmed that the statement overcharged commission, the agent explains that "
        "the excess will be refunded after today's close and a corrected statement sent.",
    ),
    "t17": (
        "核实座套确实装歪了以后，技师提出当场重新安装，大约二十分钟，车主在休息区等候时可以免费喝茶。",
        "Having confirmed that the seat covers were fitted crooked, the technician offers to "
        "refit them on the spot, in about twenty minutes, with free tea while the owner waits.",
    ),
    "t18": (
        "手续费退回三天后，客服回访客户，确认款项已经到账、新的结算单没有问题。",
        "Three days after the refund, the agent calls the client back to confirm the money "
        "arrived and the new statement is correct.",
    ),
    "t19": (
        "换货签收后第二天，客服发消息问顾客新衣服是否合身，还有没有别的需要。",
        "The day after the exchange was delivered, the agent messages the shopper to ask "
        "whether the new clothes fit and whether she needs anything else.",
    ),
    "t20": (
        "店长提出免费返工，车主仍然不满意：他明天要出差，没时间再来一趟。店长问他：“那您看怎样处理最方便？”",
        "The manager offers a free redo, but the owner is still unhappy: he leaves on a "
        "business trip tomorrow and cannot come back. The manager asks: 'What would suit you "
        "best, then?'",
    ),
    "t21": (
        "车主打电话说贴膜三天就起泡了。客服先核对他的车牌号和施工单号，再问起泡在哪块玻璃、有多大，车这几天是不是一直停在太阳下。",
        "An owner calls: the window film bubbled after three days. The agent first checks his "
        "plate number and job ticket, then asks which window, how large the bubbles are, and "
        "whether the car has stood in the sun since.",
    ),
    "t22": (
        "顾客拒绝了补发，说已经在别家买到了。客服没有再劝，而是问她希望这一单怎么了结。",
        "The shopper turns down a replacement: she has already bought one elsewhere. The agent "
        "stops persuading her and asks how she would like this order settled.",
    ),
    "t23": (
        "查明是镀膜前没把漆面洗干净，店长提出明天免费重做镀膜，再送一次内饰清洗，并保证以后施工前会多查一遍。",
        "Having found that the paint was not cleaned properly before the coating, the manager "
        "offers to redo the coating free tomorrow, adds a free interior cleaning, and promises "
        "an extra check before every job from now on.",
    ),
    "t24": (
        "返工完成一周后，客服给车主打电话，问漆面现在是否正常，并提醒他下次保养的时间。",
        "A week after the redo, the agent phones the owner to ask whether the paint is fine now"
        " and mentions when the next care visit is due.",
    ),
}

# The steps of calming an unhappy customer that the source covers (cases/concepts.md, section 1).
STEPS: list[tuple[str, str]] = [
    ("第三步：收集信息 / Step 3: gather information", "gather_information"),
    ("第四步：给出解决方案 / Step 4: offer a solution", "offer_solution"),
    ("第五步：仍不满意时问客户想怎样 / Step 5: ask what they want", "ask_what_they_want"),
    ("第六步：跟踪服务 / Step 6: follow up", "follow_up"),
]


def student_rng(student: str, purpose: str) -> np.random.Generator:
    """A random stream fixed by the student id and ``purpose``, the same on every machine."""
    digest = hashlib.sha256(f"{normalise_student_id(student)}\x1f{purpose}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def display_ids(rng: np.random.Generator, prefix: str, count: int) -> list[str]:
    """``count`` distinct ids such as ``T-4821``, drawn at random (their order means nothing)."""
    numbers = rng.choice(np.arange(1000, 10000), size=count, replace=False)
    return [f"{prefix}-{int(n)}" for n in numbers]


def shuffled(
    options: Sequence[tuple[str, str]], student: str, purpose: str
) -> list[tuple[str, str]]:
    """``options`` in an order of their own for ``student`` (the same every time)."""
    order = student_rng(student, f"{purpose}:options").permutation(len(options))
    return [tuple(options[i]) for i in order]


def step_options(student: str) -> list[tuple[str, str]]:
    """The four steps as drop-down options, in ``student``'s own order."""
    return shuffled(STEPS, student, "complaint-steps")


def tickets_for(student: str, count: int = 6) -> pd.DataFrame:
    """``count`` tickets drawn for ``student``: columns ``ticket_id`` (e.g. ``T-4821``, random),
    ``text_zh`` and ``text_en``, in random order."""
    keys = sorted(TICKETS)
    rng = student_rng(student, "complaint-tickets")
    chosen = rng.choice(len(keys), size=count, replace=False)
    ids = display_ids(rng, "T", count)
    rows = [(ticket_id, *TICKETS[keys[i]]) for ticket_id, i in zip(ids, chosen, strict=True)]
    return pd.DataFrame(rows, columns=["ticket_id", "text_zh", "text_en"])


def ticket_key(text_zh: str) -> str:
    """The pool key of a ticket, found by its Chinese text (for the instructor's hidden tests)."""
    for key, (zh, _) in TICKETS.items():
        if zh == text_zh:
            return key
    raise KeyError("不是本套件的工单 / not a ticket of this kit")
