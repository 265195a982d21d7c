//! A disruption never helps: over random outages (paired replications, common random
//! numbers), an outage never raises cumulative deliveries by a quarter's end by more
//! than 1 %, never shortens the mean order lead time beyond its confidence interval, and
//! a bigger or longer outage never lowers the accelerator-days short.

use chipsim::model::World;
use chipsim::replication::{OutputLayout, ReplicationResult};
use chipsim::stats::Moments;
use proptest::prelude::*;

use crate::dynamics::{run, warm};

/// The value of scalar metric `name` in each replication.
fn metric(layout: &OutputLayout, results: &[ReplicationResult], name: &str) -> Vec<f64> {
    let index = (layout.metrics.iter())
        .position(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    results.iter().map(|r| r.metrics[index]).collect()
}

/// The paired differences `b − a` over replications (NaN pairs left out).
fn paired(a: &[f64], b: &[f64]) -> Moments {
    let mut moments = Moments::default();
    for (x, y) in a.iter().zip(b) {
        if !(x.is_nan() || y.is_nan()) {
            moments.push(y - x);
        }
    }
    moments
}

/// The calm world with one outage of the fab (share `lost`, `days` long, step recovery)
/// starting on `onset`.
fn with_outage(onset: &str, days: f64, lost: f64) -> World {
    warm(
        &[],
        &format!(
            "[[shocks]]\nid = \"outage\"\nkind = \"outage\"\nsite = \"logic_fab\"\n\
             dates = [{onset}]\nduration_days = {days}\ncapacity_lost = {lost}\n\
             recovery = \"step\"\nwip_scrapped = 0.3\n"
        ),
    )
}

const REPLICATIONS: u64 = 24;

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn an_outage_never_helps_and_a_bigger_one_never_hurts_less(
        month in 2u32..10,
        days in 10.0f64..120.0,
        lost in 0.3f64..1.0,
        longer in 1.0f64..2.0,
        deeper in 0.0f64..0.3,
    ) {
        let onset = format!("2025-{month:02}-01");
        let (layout, calm) = run(warm(&[], ""), REPLICATIONS);
        let (_, small) = run(with_outage(&onset, days, lost), REPLICATIONS);
        let (_, big) = run(with_outage(&onset, days * longer, (lost + deeper).min(1.0)), REPLICATIONS);

        // Cumulative deliveries by each quarter's end: an outage never adds more than 1 %.
        let per_period = layout.series.len();
        let delivered = (layout.series.iter())
            .position(|s| s.scope == "world" && s.metric.name == "chips_delivered")
            .expect("deliveries");
        let cumulative = |results: &[ReplicationResult], period: usize| -> f64 {
            results.iter()
                .map(|r| (0..=period).map(|p| r.series[p * per_period + delivered]).sum::<f64>())
                .sum::<f64>() / results.len() as f64
        };
        for period in 0..layout.periods.len() {
            let (before, after) = (cumulative(&calm, period), cumulative(&small, period));
            prop_assert!(after <= 1.01 * before + 1.0,
                "deliveries by {}: {after} with the outage, {before} without", layout.periods[period].end);
        }

        // The mean order lead time never shortens beyond its 95 % interval.
        let lead = paired(
            &metric(&layout, &calm, "order_lead_time_mean_days"),
            &metric(&layout, &small, "order_lead_time_mean_days"),
        );
        prop_assert!(lead.mean() + lead.ci_half_width(0.95) >= 0.0,
            "the outage shortens the lead time by {} days (± {})", -lead.mean(), lead.ci_half_width(0.95));

        // Accelerator-days short: the outage adds, and the bigger outage adds no less.
        let short = |results: &[ReplicationResult]| metric(&layout, results, "chip_days_short");
        for (what, a, b) in [("outage", short(&calm), short(&small)), ("bigger outage", short(&small), short(&big))] {
            let difference = paired(&a, &b);
            prop_assert!(difference.mean() + difference.ci_half_width(0.95) >= 0.0,
                "the {what} lowers chip_days_short by {} (± {})", -difference.mean(), difference.ci_half_width(0.95));
        }
    }
}
