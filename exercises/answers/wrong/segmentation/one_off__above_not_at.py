# 错：正好 {{ one_off.min_yuan }} 元的订单没算（用了 >） / Wrong: an order of exactly {{ one_off.min_yuan | thousands }} yuan not counted (> instead of >=)
#| boundary: one_off.min_yuan
#| expect: 元的订单也算
completed = shop["orders"][shop["orders"]["status"] == "completed"]
spend = completed.groupby("customer_id")["amount_yuan"].agg(["size", "sum"])
is_one_off = (spend["size"] == 1) & (spend["sum"] > {{ one_off.min_yuan }})
one_off_buyers = list(spend.index[is_one_off])
one_off_share = spend.loc[is_one_off, "sum"].sum() / completed["amount_yuan"].sum()
one_off_tiers = tiers[one_off_buyers].value_counts()
