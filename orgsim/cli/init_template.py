"""The scenario `orgsim init` writes: scenarios/series-a.yaml made self-contained, with the founder's
numbers in `$placeholders` (string.Template; a literal dollar sign is written `$$`).

Every mechanism of series-a is on, with its cited default: a figure marked [id] comes from
data/benchmarks.yaml, the rest are assumptions and say so. `orgsim.cli.init` fills the
placeholders; the segment blocks below are used for the segments the founder sells to.
"""

from __future__ import annotations

from string import Template

__all__ = ["SEGMENTS", "TEMPLATE"]

# name -> (lead_mix, win_rate, block of the `segments:` map; $acv is the founder's ACV)
SEGMENTS: dict[str, tuple[float, float, Template]] = {
    "smb": (
        0.55,
        0.27,
        Template("""\
  smb:
    lead_mix: $lead_mix                     # share of inbound leads in this segment (series-a's 0.55, renormalised)
    acv: {dist: lognormal, mean: $acv, cv: 0.6}   # annual contract value: your ACV; spread: assumption
    sales_cycle_days: {dist: gamma, mean: 35, cv: 0.5}        # [sales_cycle_velocity]
    win_rate: 0.27                                            # opportunity -> won [win_rate_close_rate_hubspot]
    needs_presales: false              # no SE on SMB deals
    delivered_by: sales                # who delivers (go-live): sales | implementation | csm
    go_live_days: {dist: gamma, mean: 7, cv: 0.5}             # assumption
    contract_months: 12                # annual contracts
    renewal_rate: 0.90                 # at typical health: the median GRR under $$12K ACV [grr_by_acv_lt12k]
    effort_hours:                      # hours of work per deal (assumptions)
      opportunity: {dist: gamma, mean: 6, cv: 0.5}
      delivery: {dist: gamma, mean: 3, cv: 0.5}
"""),
    ),
    "mid_market": (
        0.35,
        0.22,
        Template("""\
  mid_market:
    lead_mix: $lead_mix                     # share of inbound leads (series-a's 0.35, renormalised)
    acv: {dist: lognormal, mean: $acv, cv: 0.5}   # annual contract value: your ACV; spread: assumption
    sales_cycle_days: {dist: gamma, mean: 66, cv: 0.4}        # [sales_cycle_midmarket]
    win_rate: 0.22                                            # opportunity -> won [win_rate_close_rate_hubspot]
    needs_presales: true               # an SE supports the deal
    delivered_by: implementation       # the implementation team delivers
    go_live_days: {dist: gamma, mean: 45, cv: 0.4}            # assumption
    contract_months: 12
    renewal_rate: 0.92                 # at typical health: the median GRR at $$25-50K ACV [grr_by_acv_25_50k]
    expansion_monthly_probability: 0.044   # x health: median NRR - GRR at $$25-50K [nrr_by_acv_25_50k]
    effort_hours:                      # hours of work per deal (assumptions)
      opportunity: {dist: gamma, mean: 20, cv: 0.5}
      presales: {dist: gamma, mean: 16, cv: 0.5}
      delivery: {dist: gamma, mean: 80, cv: 0.4}
"""),
    ),
    "enterprise": (
        0.10,
        0.20,
        Template("""\
  enterprise:
    lead_mix: $lead_mix                     # share of inbound leads (series-a's 0.10, renormalised)
    acv: {dist: lognormal, mean: $acv, cv: 0.6}   # annual contract value: your ACV; spread: assumption
    sales_cycle_days: {dist: gamma, mean: 230, cv: 0.4}       # [sales_cycle_enterprise]
    win_rate: 0.20                                            # opportunity -> won (assumption)
    needs_presales: true               # an SE supports the deal
    delivered_by: implementation       # the implementation team delivers
    go_live_days: {dist: gamma, mean: 90, cv: 0.4}            # [impl_elapsed_days]
    contract_months: 12
    renewal_rate: 0.93                 # at typical health: the median GRR at $$100-250K [grr_by_acv_100_250k]
    expansion_monthly_probability: 0.056   # x health: median NRR - GRR at $$100-250K [nrr_by_acv_100_250k]
    effort_hours:                      # hours of work per deal (assumptions)
      opportunity: {dist: gamma, mean: 40, cv: 0.5}
      presales: {dist: gamma, mean: 30, cv: 0.5}
      delivery: {dist: gamma, mean: 250, cv: 0.4}
"""),
    ),
}

TEMPLATE = Template("""\
# $name: a scenario written by `orgsim init` from your answers:
#   $answers
# It is scenarios/series-a.yaml (a Series A B2B SaaS company) with your numbers, self-contained (no
# `extends`), every mechanism on. Figures marked [id] are public benchmarks listed in orgsim's
# data/benchmarks.yaml (docs: reference/benchmarks); unmarked figures are assumptions of the example
# company: replace them with yours. Check the file with `orgsim validate`, run it with `orgsim run`.
name: "$name"
description: >
  $name: $$$arr_text ARR, $people people, $$$cash_text cash, $pace_text (from orgsim init).
horizon_months: $horizon              # months simulated
replications: 30                       # futures simulated by `orgsim run` (override with -n)
seed: 2026                             # same seed, same numbers

time:
  productive_hours_per_day: 6          # hours a person gives to tasks per calendar day

company:
  starting_cash: $cash          # your cash in the bank today, dollars
  gross_margin: 0.75                   # typical subscription gross margin of private SaaS (assumption)
  overhead_per_head_month: 1500        # tools, space, G&A per person (assumption)
  commission_rate: 0.09                # of new and expansion ARR, paid when booked [ae_commission_pct_acv]
  payment_terms_days: 30               # days from invoice to payment
  billing: annual_upfront              # annual_upfront | monthly
  collections: {}                      # finance collects: 300 invoices a person-month; beyond, 30 days late
                                       #   and 5% bad debt (assumptions)
  admin_span: {people_per_admin: 50}   # one admin per 50 people, hires slow when beyond (assumption)
  management: {manages: [sdr, ae], span: 8}   # [ae_manager_span] [sdr_manager_span]; 20% of task hours lost
                                               #   with no manager at all (assumption)
  # Starting customers, from your ARR and ACV: split across segments in the proportions the
  # funnel wins them (lead_mix x win_rate), scaled so that customers x ACV adds up to your ARR
  # ($customers_check). Contract ages are spread evenly over the year.
  starting_customers: {$customers}

segments:                              # bands after Janz [acv_tier_smb, acv_tier_midmarket, acv_tier_enterprise]
$segments
lead_sources:                          # where leads come from (every source is on)
  paid:
    budget_per_month: 50000            # paid acquisition spend, dollars a month (series-a's; assumption)
    cost_per_lead: 220                 # dollars per lead at that budget (blended ~200 [cpl_b2b_saas_blended])
    cost_elasticity: 0.2               # cost per lead x (budget / starting budget) ^ elasticity (assumption)
    mql_rate: 0.15                     # lead -> MQL [funnel_inquiry_to_mql]
  content:
    leads_per_marketer_month: 55.6     # leads a month from one ramped marketer's content (assumption)
    mql_rate: 0.2                      # lead -> MQL (assumption)
    returns_exponent: 0.7              # leads = 55.6 x (ramped marketers)^0.7: diminishing returns (assumption)
  outbound:
    sdr_time_share: 0.4                # share of SDR time spent prospecting (assumption)
    meetings_per_sdr_month: 5          # SQLs booked per fully ramped SDR at that share [sdr_sqls_per_month]
    segment_mix: {$outbound_mix}   # outbound meetings by segment (series-a's, renormalised)
    ae_time_share: 0.1                 # AEs prospect 10% of their time (assumption; reps self-generate ~half of
    ae_time_share_without_sdrs: 0.3    #   B2B leads [leads_sales_generated_share]); 30% in months with no SDR
    meetings_per_ae_month: 1.25        # at 10%: the SDRs' 5 meetings per 40% of a month, per prospecting hour
  referral:
    per_healthy_account_year: 3.4      # referral leads per healthy account a year [referral_share_of_leads]
    relationship_boost: 1.5            # x when sales keeps the key-person relationship (assumption)
    mql_rate: 0.6                      # referral lead -> MQL (assumption)

funnel:
  mql_to_sql: 0.45                     # [funnel_mql_to_sal] x [funnel_sal_to_sql]
  speed_to_lead: {halflife_hours: 24, floor: 0.3}   # factor = floor + (1-floor) * 0.5^(wait/halflife) (assumption)
  sql_to_opportunity: 0.7              # SQL -> opportunity (assumption)
  no_presales_win_factor: 0.6          # win-rate factor for a presales deal that proceeds without an SE
  enablement_max_uplift: 0.15          # AE win-rate uplift at full SE enablement (assumption)
  enablement_hours_per_ae_month: 4     # SE enablement hours per AE per month (assumption)
  deal_momentum:                       # win probability x 0.5^(days kept waiting / 35) [win_rate_trend_2024]
    halflife_days: 35
    patience_days: 90                  # kept waiting longer: no decision (assumption)
  recycling:                           # lost, dark and disqualified come back as MQLs (assumptions)
    lost: 0.2
    no_decision: 0.3
    disqualified: 0.1
    delay_days: {dist: gamma, mean: 180, cv: 0.3}
  presales_coverage:                   # SE hours rationed when SEs are scarce; uplift saturates (assumptions;
    ration_months: 1                   #   2-4 AEs per SE is typical [ae_per_se])
    curvature: 3
    enablement_half_hours_per_ae_month: 4

founders:                              # founders: product work, and any business role that has nobody
  count: 2                             #   (all values: assumption, no public figure)
  step_in: nobody                      # nobody | the roles a founder covers while no one holds them
  product_engineer_equivalent: 1.0     # a founder's product work, in engineers$founder_kinds

roles:                                 # your team today (headcount); annual_cost: salary + benefits, dollars
  marketer:    {department: marketing,  headcount: $h_marketer, annual_cost: 140000, ramp_months: 2}
  sdr:         {department: sales,      headcount: $h_sdr, annual_cost: 95000,  ramp_months: 3}   # [sdr_ramp_months]
  ae:          {department: sales,      headcount: $h_ae, annual_cost: 100000, ramp_months: 5,   # [ae_ramp_months]
                # annual_cost: base pay, half of a $$150k OTE [ae_ote_inside] [ae_pay_mix_base] x 1.3 for
                # benefits and taxes; the variable half is company.commission_rate
                max_open_opportunities: 30,          # deals an AE works at once (assumption)
                productivity_cv: 0.3,                # people differ (assumption: no public figure)
                washout_probability: 0.3,            # [sales_hire_failure_rate]
                quota_arr_per_year: 500000,          # [ae_quota_inside]
                pods: {$pods}}   # AE split when routing by segment (assumption)
  se:          {department: sales,      headcount: $h_se, annual_cost: 210000, ramp_months: 3, enablement_share: 0.15}
  implementer: {department: service,    headcount: $h_implementer, annual_cost: 140000, ramp_months: 2}
  csm:         {department: service,    headcount: $h_csm, annual_cost: 120000, ramp_months: 2,
                book_size: 60,                    # [accounts_per_csm_by_segment]
                arr_per_csm: 1000000}             # [arr_per_csm_growth]
  engineer:    {department: product,    headcount: $h_engineer, annual_cost: 190000, ramp_months: 3}
  recruiter:   {department: functional, headcount: $h_recruiter, annual_cost: 120000,
                hires_per_month: 4}               # hires a recruiter closes a month (assumption)
  finance:     {department: functional, headcount: $h_finance, annual_cost: 140000}
  admin:       {department: functional, headcount: $h_admin, annual_cost: 90000}
  manager:     {department: sales,      headcount: $h_manager, annual_cost: 180000, ramp_months: 2}   # cost: assumption

effort_hours:                          # tasks common to all segments (assumptions)
  qualify: {dist: gamma, mean: 2.0, cv: 0.6}      # SDR hours to qualify an MQL
  expansion: {dist: gamma, mean: 4, cv: 0.5}      # owner per ownership.expansion_by_sales_months
  renewal: {dist: gamma, mean: 3, cv: 0.5}        # owner per ownership.renewal
  account_care_per_month: 2                        # CSM hours per covered account per month

ownership:                             # who owns which link of the customer value chain
  qualification: sdr                   # sdr | ae
  routing: segment                     # segment | round_robin | least_loaded
  expansion_by_sales_months: 6         # sales owns expansion this long after a new contract, then csm
  renewal: csm                         # csm | ae
  referral_relationship: sales         # sales | none
  presales_unavailable: wait           # wait | proceed (at no_presales_win_factor)
  priorities:                          # which queued work comes first
    ae: [opportunity, delivery, expansion, qualification, renewal]   # AEs are paid on new ARR [ae_pay_mix_base]
    csm: [renewal, onboarding, expansion, care]                      # renewal dates do not move (assumption)

customers:                             # health, renewals and expansion (assumptions unless marked)
  healthy_threshold: 0.6               # health at or above: healthy (refers, renews at renewal_rate or better)
  active_threshold: 0.3                # health below: inactive
  health:
    start: 0.75                        # a new customer's health
    onboarding_wait_penalty_per_month: 0.1     # per month a customer waited for delivery capacity
    covered_drift_per_month: 0.01      # with a CSM's care
    uncovered_drift_per_month: -0.03   # without
    product_weight_per_month: 0.05     # + weight x (maturity - 0.5)
    noise_sd: 0.05                     # month-to-month noise
    reversion:                         # health += 0.15 x (0.4 - health) + lifts: without care an
      rate_per_month: 0.15             #   account falls below healthy in ~3.4 months
      baseline: 0.4
      care_lift_per_month: 0.06        # a month whose care task was done
      time_to_value_months: 3          # live within 3 months of signing: +0.03 a month
      time_to_value_lift_per_month: 0.03
  renewal_health_slope: 0.5            # (the linear rule, replaced by renewal_curve below)
  renewal_curve: {steepness: 8, typical_health: 0.7}   # at health 0.7 a segment renews at its renewal_rate
  contraction:                         # renewing below healthy: half downsell a quarter of ARR
    probability: 0.5
    share_of_arr: {dist: gamma, mean: 0.25, cv: 0.5}
  churn_floor_per_year: 0.03           # closed or acquired whatever the health
$tech_touch
  handoff:                             # a deal handed from the seller loses context
    go_live_days: 14                   #   (23% of churn is blamed on onboarding [churn_from_poor_onboarding])
    health_penalty: 0.05
    expertise_hours: 8                 # sellers deliver up to 8 hours of work as well as specialists
    expertise_health_penalty: 0.15
  relationship: {}                     # strengths with sales and the CSM: the documented defaults
  expansion:
    monthly_probability: 0.04          # chance a month that a customer expands, x health; segments may set
                                       # their own (median NRR - GRR under $$12K ACV [nrr_by_acv_lt12k])
    size_of_arr: {dist: lognormal, mean: 0.3, cv: 0.5}   # expansion as a share of the customer's ARR

product:
  maturity_start: 0.6                  # 0..1: how complete the product is today (assumption)
  engineer_months_to_mature: 600       # maturity gap closes by engineers / this per month
  win_rate_effect: 0.5                 # win factor = 1 - effect x (1 - maturity)
  fit: {threshold: 0.7, floor: 0.3}    # below maturity 0.7 every conversion x fit (assumption)

market:                                # accounts that could buy, by segment (assumption: a vertical market)
  addressable_accounts: {$market}

hiring:
  time_to_hire_days: {dist: gamma, mean: 50, cv: 0.3}        # [time_to_fill_sales]
  attrition_per_year: {default: 0.12, sdr: 0.35, ae: 0.30}   # [ae_annual_attrition]
  backfill: true                       # people who leave are replaced
  plan: []                             # dated requisitions on top of the growth plan: - {month: 1, role: csm, count: 1}
  growth:                              # how the company grows its team
    focus_order: [product, sales, marketing, service]   # the article's order of focus
    hires_per_month: $hires_per_month            # your hiring pace
    focus_share: 0.7                   # share of hires going to the focus department (assumption)
    months_per_stage: 9                # months each department is in focus (assumption)
    mix:                               # who a department hires, in proportion
      product: {engineer: 1}
      sales: {$sales_mix}   # a manager per ~8 reps [ae_manager_span]
      marketing: {marketer: 1}
      service: {$service_mix}
""")
