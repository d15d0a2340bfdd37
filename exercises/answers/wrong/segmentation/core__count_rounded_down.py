# 错：人数向下取整了（int） / Wrong: the count rounded down (int)
#| boundary: core.top_share
#| expect: 检查人数
in_months = equity[equity["month"] >= pd.Timestamp("{{ core.since }}")]
mean_equity = in_months.groupby("client_id")["equity_yuan"].mean().sort_values(ascending=False)
core_count = int({{ core.top_share }} * len(mean_equity))
equity_core = list(mean_equity.index[:core_count])
equity_core_share = mean_equity.iloc[:core_count].sum() / mean_equity.sum()
