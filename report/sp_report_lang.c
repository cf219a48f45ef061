/* sp_report_lang.c: the words of the report in each language it speaks. Chinese is the
 * default, as the Outline's evaluators read it; statuses are worded as evaluations word
 * them (达标, 未达标, 无数据, 进展顺利, 存在风险, 滞后). */
#include "sp_report_int.h"

#include <stdio.h>
#include <string.h>

static const sp_report_words_t zh = {
    .html_lang = "zh-CN",
    .title = "国家信息化发展目标监测评估",
    .generated = "生成于 %s，数据库 %s",
    .as_known_at = "数据截至 %s",
    .values_note = "数值为各目标所属地区的年度值（未注明省份的为全国），单位与规划表述一致。",
    .evaluation = "已存档评估 %s：%d 年度，第 %d 版，%s 由 %s 存档（目录版本 %s）",
    .note = "备注",
    .indicator = "指标",
    .plan = "规划",
    .year = "目标年",
    .target = "目标",
    .judged_on = "评价依据",
    .progress = "完成度",
    .first_met = "首次达标",
    .status = "状态",
    .latest = "最新值",
    .period = "期别",
    .growth_needed = "所需年均增速",
    .projected = "预计值",
    .target_year_value = "目标年数值",
    .target_year_progress = "目标年完成度",
    .no_data = "无数据",
    .summary = "共 %d 项目标：",
    .lang = SP_REPORT_ZH,
    .comma = "，",
    .full_stop = "。",
    .colon = "：",
    .statuses = {"达标", "未达标", "无数据", "进展顺利", "存在风险", "滞后", "无法判断"},
    .h_targets = "目标",
    .h_charts = "指标与目标",
    .h_provinces = "各省份",
    .no_provinces = "尚无分省数据。",
    .rank = "位次",
    .province = "省份",
    .value = "数值",
    .h_quality = "数据质量",
    .check = "检查",
    .what = "内容",
    .count = "数量",
    .quarantined = "隔离待处理",
    .warning = "预警",
    .stale = "超过发布周期未更新的序列",
    .missing = "序列内缺失的期别（不含惯常缺期）",
    .chart_no_data = "暂无数据",
    .year_not_complete = "（年度未完）",
    .target_for = "%s %s 年目标：%s %s",
    .h_index = "综合指数：各省份排名",
    .no_index = "尚无可排名的指数值。",
    .index_note =
        "综合指数由目录定义（stats.composite_index），为 statpipe 自定的示例权重，非官方指数。",
    .coverage = "覆盖度",
    .pillars = "分项",
    .h_gaps = "区域差距",
    .no_gaps = "尚无两个以上省份的数据。",
    .gaps_note = "变异系数：比率指标按权重指标加权，总量指标不加权；中部、西部、东北与东部之比。",
    .provinces = "省份数",
    .lowest = "最低",
    .highest = "最高",
    .max_min = "最高/最低",
    .cv = "变异系数",
    .to_east = "中部/西部/东北 ÷ 东部",
    .h_urban = "城乡差距",
    .no_urban = "尚无同时发布城镇与农村数值的指标。",
    .urban_note =
        "各地区最近一年的城镇（上）与农村（下）数值；比率指标之差为百分点；* 表示该年尚不完整。",
    .area = "地区",
    .calendar_year = "年份",
    .urban = "城镇",
    .rural = "农村",
    .urban_minus_rural = "城镇−农村",
    .urban_over_rural = "城镇/农村",
};

static const sp_report_words_t en = {
    .html_lang = "en",
    .title = "National informatization targets: scorecard",
    .generated = "Generated %s from database %s",
    .as_known_at = "as known at %s",
    .values_note = "Values are annual values of each target's area (national unless a province is "
                   "named), in the units the plans state.",
    .evaluation = "Stored evaluation %s: year %d, version %d, stored %s by %s (catalogue %s)",
    .note = "Note",
    .indicator = "indicator",
    .plan = "plan",
    .year = "year",
    .target = "target",
    .judged_on = "judged on",
    .progress = "progress",
    .first_met = "first met",
    .status = "status",
    .latest = "Latest",
    .period = "Period",
    .growth_needed = "Growth needed / yr",
    .projected = "Projected",
    .target_year_value = "Target-year value",
    .target_year_progress = "Target-year progress",
    .no_data = "no data",
    .summary = "%d targets:",
    .lang = SP_REPORT_EN,
    .comma = ", ",
    .full_stop = ". ",
    .colon = ": ",
    .statuses = {"met", "missed", "no data", "on track", "at risk", "off track", "unknown"},
    .h_targets = "Targets",
    .h_charts = "Indicators against their targets",
    .h_provinces = "Provinces",
    .no_provinces = "No provincial figures yet.",
    .rank = "Rank",
    .province = "Province",
    .value = "Value",
    .h_quality = "Data quality",
    .check = "Check",
    .what = "What",
    .count = "Count",
    .quarantined = "quarantined, waiting",
    .warning = "warning",
    .stale = "series without a release for longer than their frequency allows",
    .missing = "periods missing inside series (not counting usual gaps)",
    .chart_no_data = "no data yet",
    .year_not_complete = " (year not complete)",
    .target_for = "%s target for %s: %s %s",
    .h_index = "Composite index: provinces ranked",
    .no_index = "No index values to rank yet.",
    .index_note =
        "Composite indices are defined in the catalogue (stats.composite_index); "
        "the shipped one is statpipe's example, with its own weights, not an official index.",
    .coverage = "Coverage",
    .pillars = "Pillars",
    .h_gaps = "Regional gaps",
    .no_gaps = "No indicator has figures for two provinces yet.",
    .gaps_note = "Coefficient of variation: weighted by the weight indicator for ratios, plain for "
                 "levels; the Central, West and Northeast roll-ups over the East's.",
    .provinces = "Provinces",
    .lowest = "Lowest",
    .highest = "Highest",
    .max_min = "Highest / lowest",
    .cv = "CV",
    .to_east = "Central / West / Northeast ÷ East",
    .h_urban = "Urban–rural gaps",
    .no_urban = "No indicator has both an urban and a rural figure yet.",
    .urban_note = "Each area's latest year with both, urban (upper bar) and rural (lower bar); "
                  "the difference of a rate is in percentage points; * marks a year not "
                  "complete yet.",
    .area = "Area",
    .calendar_year = "Year",
    .urban = "Urban",
    .rural = "Rural",
    .urban_minus_rural = "Urban − rural",
    .urban_over_rural = "Urban / rural",
};

/* The statuses of stats.target_progress, in the order the words list them. */
static const char *const status_codes[SP_REPORT_N_STATUSES] = {
    "met", "missed", "no data", "on track", "at risk", "off track", "unknown"};

bool sp_report_lang_parse(const char *s, sp_report_lang_t *out)
{
    if (strcmp(s, "zh") == 0)
        *out = SP_REPORT_ZH;
    else if (strcmp(s, "en") == 0)
        *out = SP_REPORT_EN;
    else
        return false;
    return true;
}

const sp_report_words_t *sp_report_words(sp_report_lang_t lang)
{
    return lang == SP_REPORT_EN ? &en : &zh;
}

int sp_report_status_index(const char *status)
{
    for (int k = 0; k < SP_REPORT_N_STATUSES; k++)
        if (strcmp(status, status_codes[k]) == 0)
            return k;
    return SP_REPORT_N_STATUSES - 1;
}

const char *sp_report_status_label(const sp_report_words_t *w, const char *status)
{
    return w->statuses[sp_report_status_index(status)];
}

void sp_report_date(const sp_report_words_t *w, const char *utc, char *out, size_t size)
{
    /* "YYYY-MM-DD ..." reads "YYYY年MM月DD日 ..." in Chinese. */
    int y, m, d, n = 0;
    if (w == &zh && sscanf(utc, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10)
        snprintf(out, size, "%04d年%02d月%02d日%s", y, m, d, utc + 10);
    else
        snprintf(out, size, "%s", utc);
}
