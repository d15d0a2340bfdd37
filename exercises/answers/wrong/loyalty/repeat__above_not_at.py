# 错：正好 {{ repeat.min_orders }} 笔的没算重复购买（用了 >） / Wrong: exactly {{ repeat.min_orders }} orders not counted as repeat buying (> instead of >=)
#| boundary: repeat.min_orders
#| expect: 重复购买率不对
completed = orders[orders["status"] == "completed"]
completed_per_customer = completed.groupby("customer_id").size()
repeats = completed_per_customer > {{ repeat.min_orders }}
repeat_purchase_rate = repeats.mean()
is_member = customers.set_index("customer_id")["is_member"].reindex(completed_per_customer.index)
repeat_by_member = repeats.groupby(is_member).mean()
