# 错：正好 {{ funnel.again_from }} 次以购买结束的到店没算回头购买（用了 >） / Wrong: exactly {{ funnel.again_from }} buying visits not counted as buying again (> instead of >=)
#| boundary: funnel.again_from
#| expect: bought 或 bought_again 不对
in_months = visits[visits["visited_on"] >= pd.Timestamp("{{ funnel.since }}")]
buying_visits = in_months[in_months["purchased"]].groupby("shopper_id").size()
funnel = pd.Series({
    "shoppers": shoppers["shopper_id"].nunique(),
    "visited": in_months["shopper_id"].nunique(),
    "bought": int((buying_visits >= 1).sum()),
    "bought_again": int((buying_visits > {{ funnel.again_from }}).sum()),
})
stage_rates = pd.Series(funnel.to_numpy()[1:] / funnel.to_numpy()[:-1], index=funnel.index[1:])
