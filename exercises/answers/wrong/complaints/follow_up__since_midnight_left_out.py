# 错：{{ follow_up.since }} 零点收到的投诉没算（用了 >） / Wrong: a complaint received at midnight on {{ follow_up.since }} left out (> instead of >=)
#| boundary: follow_up.since
#| expect: surveyed 不对
period = futures[futures["received_at"] > pd.Timestamp("{{ follow_up.since }}")]
scored = period[period["satisfaction"].notna()]
follow_up = pd.DataFrame({
    "surveyed": period["satisfaction"].notna().groupby(period["channel"], observed=True).mean(),
    "satisfied": (scored["satisfaction"] >= {{ follow_up.satisfied_from }}).groupby(scored["channel"], observed=True).mean(),
})
