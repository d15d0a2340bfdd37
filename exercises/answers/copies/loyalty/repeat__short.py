# 大多数人会写的简短写法，和教师的差不多 / the short way most students write, close to the instructor's
completed = orders[orders["status"] == "completed"]
n_orders = completed.groupby("customer_id").size()
repeats = n_orders >= {{ repeat.min_orders }}
repeat_purchase_rate = repeats.mean()
is_member = customers.set_index("customer_id")["is_member"].reindex(n_orders.index)
repeat_by_member = repeats.groupby(is_member).mean()
