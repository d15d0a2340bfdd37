# 错：第一个月没算进去（> 而不是 >=） / Wrong: the first month left out (> instead of >=)
#| boundary: core.from_month
#| expect: 检查起始月份
in_months = equity[equity["month"] > pd.Timestamp("{{ core.since }}")]
mean_equity = in_months.groupby("client_id")["equity_yuan"].mean().sort_values(ascending=False)
core_count = math.ceil({{ core.top_share }} * len(mean_equity))
equity_core = list(mean_equity.index[:core_count])
equity_core_share = mean_equity.iloc[:core_count].sum() / mean_equity.sum()
