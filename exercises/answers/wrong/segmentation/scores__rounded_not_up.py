# 错：四舍五入而不是向上取整（0 分再改成 1 分）/ Wrong: rounded to the nearest instead of up (a 0 then made a 1)
#| expect: m_score 不对：分档不对
def score(values: pd.Series) -> pd.Series:
    return np.round(values.rank(pct=True) * {{ scores.levels }}).clip(lower=1).astype(int)

rfm_scores = pd.DataFrame({
    "r_score": score(-rfm["recency_days"]),
    "f_score": score(rfm["frequency"]),
    "m_score": score(rfm["monetary"]),
})
