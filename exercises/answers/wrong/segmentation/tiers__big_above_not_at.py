# 错：平均正好 {{ tiers.big_from }} 元的没算大顾客（用了 >） / Wrong: an average of exactly {{ tiers.big_from | thousands }} yuan not counted as big (> instead of >=)
#| boundary: tiers.big_from
#| expect: 也算大顾客
customers, orders = shop["customers"], shop["orders"]
completed = orders[orders["status"] == "completed"]
per_customer = completed.groupby("customer_id").agg(
    n_orders=("order_id", "size"), latest=("ordered_at", "max"), mean_amount=("amount_yuan", "mean"),
).reindex(customers["customer_id"])
n_orders = per_customer["n_orders"].fillna(0)
recent = per_customer["latest"] >= pd.Timestamp("{{ tiers.recent_from }}")
inquired = customers["customer_id"].isin(shop["inquiries"]["customer_id"]).to_numpy()
tiers = pd.Series(
    np.select(
        [
            (n_orders == 0) & inquired,
            (n_orders > 0) & ~recent,
            n_orders == 1,
            n_orders >= {{ tiers.loyal_from }},
            n_orders.between(2, 3) & (per_customer["mean_amount"] > {{ tiers.big_from }}),
            n_orders >= 2,
        ],
        ["potential", "sleeping", "new", "loyal", "big", "old"],
        "none",
    ),
    index=customers["customer_id"],
)
