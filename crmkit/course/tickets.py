"""Complaint tickets for the complaint-handling task; each student gets their own few.

Only the texts live here. Which handling step each ticket shows is the answer, and it is kept in
the assignment's hidden tests, not in anything a student can import.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..datasets.seeding import normalise_student_id

# id -> (中文, English). Ids say which case the ticket comes from, nothing about the answer.
TICKETS: dict[str, tuple[str, str]] = {
    "car-K": (
        "车主说镀膜后漆面发雾。客服先问：“您是哪天做的镀膜？之后车停在室外吗？发雾的是哪几块？”",
        "A car owner says the paint looks hazy after a coating. The agent first asks: 'Which day was the "
        "coating done? Was the car parked outside since? Which panels are hazy?'",
    ),
    "car-M": (
        "查明是抛光后蜡没擦净，店长提出明天免费重新施工，并送一次内饰清洗作为补偿。",
        "Having found that wax was left on after polishing, the manager offers to redo the job free tomorrow "
        "and adds a free interior cleaning as a make-good.",
    ),
    "car-P": (
        "店长提出免费返工，车主仍不满意，说不想再等一天。店长问：“那您希望我们怎样处理？”",
        "The manager offers a free redo, but the owner is still unhappy and does not want to wait another "
        "day. The manager asks: 'How would you like us to settle this?'",
    ),
    "car-R": (
        "返工完成一周后，客服给车主打电话，问漆面现在是否正常，并提醒下次保养的时间。",
        "A week after the redo, the agent phones the owner to ask whether the paint is fine now and "
        "mentions when the next care visit is due.",
    ),
    "futures-B": (
        "客户来电说交易软件下单失败。客服请他讲清当时的操作步骤和屏幕上的提示，并核对他的资金账号。",
        "A client calls: his orders failed in the trading software. The agent asks him to describe each "
        "step he took and the message on screen, and checks his account number.",
    ),
    "futures-D": (
        "核实是结算单多算了手续费后，客服说明今天收盘后退回多收的部分，并重新发送结算单。",
        "Having confirmed that the statement overcharged commission, the agent explains that the excess "
        "will be refunded after today's close and a corrected statement sent.",
    ),
    "futures-G": (
        "客服提出退回多收的手续费，客户仍觉得耽误了交易时机。客服问他希望公司怎样解决。",
        "The agent offers to refund the overcharged commission, but the client still feels he missed a "
        "trading chance. The agent asks what he would like the firm to do.",
    ),
    "futures-H": (
        "手续费退回三天后，客服回访客户，确认款项已到账、新的结算单没有问题。",
        "Three days after the refund, the agent calls the client back to confirm the money arrived and the "
        "new statement is correct.",
    ),
    "shop-A": (
        "顾客说收到的衣服尺码不对。客服问她下单时选的尺码、平时穿的尺码和吊牌上写的尺码。",
        "A shopper says the clothes she received are the wrong size. The agent asks which size she "
        "ordered, which size she usually wears and what the label says.",
    ),
    "shop-C": (
        "确认是仓库发错了颜色后，客服提出免费换货、运费由店铺承担，并附一张 20 元优惠券表示歉意。",
        "Having confirmed that the warehouse sent the wrong colour, the agent offers a free exchange with "
        "shipping paid by the shop, plus a 20-yuan coupon as an apology.",
    ),
    "shop-E": (
        "客服提出换货，顾客不接受，说已经错过了送礼的日子。客服问：“您看怎样处理您会满意？”",
        "The agent offers an exchange, but the shopper refuses: the gift date has already passed. The "
        "agent asks: 'What would make this right for you?'",
    ),
    "shop-F": (
        "换货签收后第二天，客服发消息问顾客新衣服是否合身，还有没有别的需要。",
        "The day after the exchange was delivered, the agent messages the shopper to ask whether the new "
        "clothes fit and whether she needs anything else.",
    ),
}

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


def tickets_for(student: str, count: int = 4) -> pd.DataFrame:
    """``count`` tickets drawn for ``student``: columns ticket_id, text_zh, text_en."""
    ids = sorted(TICKETS)
    chosen = student_rng(student, "complaint-tickets").choice(len(ids), size=count, replace=False)
    rows = [(ids[i], *TICKETS[ids[i]]) for i in chosen]
    return pd.DataFrame(rows, columns=["ticket_id", "text_zh", "text_en"])
