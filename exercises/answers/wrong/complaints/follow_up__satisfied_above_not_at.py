# 错：正好 {{ follow_up.satisfied_from }} 分的没算满意（用了 >） / Wrong: a score of exactly {{ follow_up.satisfied_from }} not counted as satisfied (> instead of >=)
#| boundary: follow_up.satisfied_from
#| expect: satisfied 不对
period = futures[futures["received_at"] >= pd.Timestamp("{{ follow_up.since }}")]
scored = period[period["satisfaction"].notna()]
follow_up = pd.DataFrame({
    "surveyed": period["satisfaction"].notna().groupby(period["channel"], observed=True).mean(),
    "satisfied": (scored["satisfaction"] > {{ follow_up.satisfied_from }}).groupby(scored["channel"], observed=True).mean(),
})
