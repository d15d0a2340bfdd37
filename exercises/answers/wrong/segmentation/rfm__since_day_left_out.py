# 错：{{ rfm.since }} 当天的服务没算（用了 >） / Wrong: the services on {{ rfm.since }} left out (> instead of >=)
#| boundary: rfm.since
in_period = visits[visits["visited_on"] > pd.Timestamp("{{ rfm.since }}")]
by_customer = in_period.groupby("customer_id")
rfm = pd.DataFrame({
    "recency_days": (REFERENCE_DAY - by_customer["visited_on"].max()).dt.days,
    "frequency": by_customer["visited_on"].nunique(),
    "monetary": by_customer["price_yuan"].sum(),
})
