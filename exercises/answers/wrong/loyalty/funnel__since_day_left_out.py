# 错：{{ funnel.since }} 当天的到店没算（用了 >） / Wrong: the visits on {{ funnel.since }} left out (> instead of >=)
#| boundary: funnel.from_month
in_months = visits[visits["visited_on"] > pd.Timestamp("{{ funnel.since }}")]
buying_visits = in_months[in_months["purchased"]].groupby("shopper_id").size()
funnel = pd.Series({
    "shoppers": shoppers["shopper_id"].nunique(),
    "visited": in_months["shopper_id"].nunique(),
    "bought": int((buying_visits >= 1).sum()),
    "bought_again": int((buying_visits >= {{ funnel.again_from }}).sum()),
})
stage_rates = pd.Series(funnel.to_numpy()[1:] / funnel.to_numpy()[:-1], index=funnel.index[1:])
